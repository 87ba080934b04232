/**
 * Chaos runs end to end (issue 13): generated projects with a PostgreSQL and an HTTP app both owned
 * by the plugin, broken on purpose while their own tests run, read back from report.json's
 * scorecard and the exit code.
 *
 * - `db:kill@50%` with a latency under the client's timeout on the app and a planted assertion bug:
 *   the killed tests are healed, the latency changes nothing, the bug stays red (exit 1).
 * - `vitest-heal chaos` with `db:reset@during:`, `db:down=1s@test:` and `db:pause=…@test:`, no bug,
 *   `--expect-healed`: each fault healed, exit 0.
 *
 * Each run costs seconds (a throwaway PostgreSQL, the app, Vitest): faults share runs.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import type { FaultReport } from '../../src/core/fault.js'
import type { RunReport } from '../../src/core/report.js'
import { freePort } from '../../src/services/free-port.js'
import { byName, generatedProject, runCli, runVitest, type RunResult } from './harness.js'

const CONFIG = (maxWorkers: number) => `import { defineConfig } from 'vitest/config'
import { heal, http, postgres } from 'vitest-heal'

export default defineConfig({
  plugins: [
    heal({
      services: {
        db: postgres({ local: true, env: 'DATABASE_URL', checkTimeout: 500 }),
        app: http({
          url: \`http://127.0.0.1:\${process.env.FIXTURE_APP_PORT}/health\`,
          start: ['node', 'server.mjs'],
          env: 'APP_URL',
          checkTimeout: 500,
        }),
      },
    }),
  ],
  test: { include: ['test/**/*.test.ts'], maxWorkers: ${maxWorkers}, testTimeout: 10_000 },
})
`

const SERVER = `import { createServer } from 'node:http'
createServer((req, res) => res.end(req.url === '/health' ? 'ok' : 'hello')).listen(
  Number(process.env.FIXTURE_APP_PORT),
  '127.0.0.1',
)
`

/** A file of `count` tests that each query PostgreSQL through the URL the plugin exports. */
const dbFile = (label: string, count: number, sleepMs: number, options = '') => `import pg from 'pg'
import { afterAll, expect, test } from 'vitest'

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2, connectionTimeoutMillis: 3_000 })
pool.on('error', () => {})
afterAll(() => pool.end().catch(() => {}))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

for (let i = 0; i < ${count}; i++) {
  test(\`${label} \${i}\`, { tags: ['needs:db']${options} }, async () => {
    const { rows } = await pool.query('SELECT $1::int + 1 AS n', [i])
    expect(rows[0].n).toBe(i + 1)
    await sleep(${sleepMs})
  })
}
`

const APP_FILE = `import { expect, test } from 'vitest'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

for (let i = 0; i < 4; i++) {
  test(\`app answers \${i}\`, { tags: ['needs:app'] }, async () => {
    const response = await fetch(new URL('/hello', process.env.APP_URL), { signal: AbortSignal.timeout(2_000) })
    expect(await response.text()).toBe('hello')
    await sleep(150)
  })
}
`

/** A request the client gives up on after 500 ms: a latency over that fails it. */
const SLOW_APP_FILE = `import { expect, test } from 'vitest'

test('slow app answers', { tags: ['needs:app'] }, async () => {
  const response = await fetch(new URL('/hello', process.env.APP_URL), { signal: AbortSignal.timeout(500) })
  expect(await response.text()).toBe('hello')
})
`

const BUG_FILE = `import { expect, test } from 'vitest'

test('planted bug: the total is wrong', () => {
  expect([1, 2, 3].reduce((a, b) => a + b, 0)).toBe(7)
})
`

async function project(name: string, maxWorkers: number, files: Record<string, string>) {
  const dir = generatedProject(name, CONFIG(maxWorkers), files)
  writeFileSync(join(dir, 'server.mjs'), SERVER)
  return { dir, env: { FIXTURE_APP_PORT: String(await freePort()) } }
}

const faultsOf = (result: RunResult): FaultReport[] => result.report?.faults ?? []
const fault = (result: RunResult, source: string) => faultsOf(result).find((f) => f.source === source)

/** Every test but the planted bug passed or was healed: nothing the faults broke was lost. */
function expectNothingLost(report: RunReport | undefined): void {
  for (const t of report?.tests ?? []) {
    if (t.name.startsWith('planted bug')) continue
    expect(['passed', 'healed'], JSON.stringify(t)).toContain(t.outcome)
  }
}

describe('chaos runs of a project with an owned PostgreSQL and an owned HTTP app', () => {
  test(
    'db:kill@50%: the killed tests healed; latency under the timeout: no failure; the planted bug stays red',
    { timeout: 120_000 },
    async () => {
      const { dir, env } = await project('chaos-kill', 2, {
        // Two workers, three files of db tests: at 50% the third is still running into the kill.
        'db-a.test.ts': dbFile('db a', 10, 150),
        'db-b.test.ts': dbFile('db b', 10, 150),
        'db-c.test.ts': dbFile('db c', 10, 150),
        'app.test.ts': APP_FILE,
        'planted-bug.test.ts': BUG_FILE,
      })
      const chaos = { faults: ['db:kill@50%', 'app:latency=50ms,duration=3s@after:1'], seed: 1 }
      const result = await runVitest(dir, { env: { ...env, VITEST_HEAL_CHAOS: JSON.stringify(chaos) } })
      const output = result.output.slice(-4000)

      expect(result.code, output).toBe(1)
      expect(fault(result, 'db:kill@50%'), output).toMatchObject({
        id: 'f1',
        service: 'db',
        kind: 'kill',
        result: 'healed',
        injectedAt: expect.any(String),
        detectedAt: expect.any(String),
        recoveredAt: expect.any(String),
      })
      expect(fault(result, 'db:kill@50%')?.tests.length, output).toBeGreaterThan(0)
      expect(fault(result, 'db:kill@50%')?.tests.every((t) => t.outcome === 'healed')).toBe(true)
      // 50 ms more per request, under the 2 s the client allows: nothing failed, nothing to heal.
      expect(fault(result, 'app:latency=50ms,duration=3s@after:1'), output).toMatchObject({
        kind: 'latency',
        result: 'no-effect',
        injectedAt: expect.any(String),
        tests: [],
      })
      const tests = byName(result.report)
      for (let i = 0; i < 4; i++) expect(tests.get(`app answers ${i}`)?.outcome).toBe('passed')
      expect(tests.get('planted bug: the total is wrong')).toMatchObject({
        outcome: 'failed',
        cause: 'test-bug',
        attempts: 1,
      })
      expectNothingLost(result.report)
      expect(result.report?.summary.healed, output).toBeGreaterThan(0)
      expect(result.output).toMatch(/chaos: 2 faults injected/)
    },
  )

  test(
    'vitest-heal chaos --expect-healed: reset, down, a hung proxy, a paused server, latency over the client’s timeout — each healed, never a test bug, exit 0',
    { timeout: 120_000 },
    async () => {
      // One worker: a `during` fault takes the first bytes after its test started, and these are its own.
      const { dir, env } = await project('chaos-name-triggers', 1, {
        'db-plain.test.ts': dbFile('plain query', 3, 10),
        'reset.test.ts': dbFile('reset target', 1, 10),
        'down.test.ts': dbFile('down target', 1, 10),
        'pause.test.ts': dbFile('pause target', 1, 10, ', timeout: 1_500'),
        'timeout.test.ts': dbFile('timeout target', 1, 10, ', timeout: 1_500'),
        'slow-app.test.ts': SLOW_APP_FILE,
      })
      const faults = [
        'db:reset@during:/reset target/',
        'db:down=1s@test:/down target/',
        'db:pause=3s@test:/pause target/',
        'db:timeout@test:/timeout target/',
        'app:latency=1s@test:/slow app/',
      ]
      const result = await runCli(
        ['chaos', ...faults.flatMap((f) => ['--fault', f]), '--expect-healed'],
        env,
        dir,
      )
      const report = JSON.parse(readFileSync(join(dir, '.vitest-heal/report.json'), 'utf8')) as RunReport
      const output = result.output.slice(-5000)

      // Rows come in the order the faults were injected, which is the order the files ran in.
      const rows = (report.faults ?? []).map((f) => [f.source, f.result]).sort()
      expect(rows, output).toEqual(faults.map((f) => [f, 'healed']).sort())
      const tests = byName(report)
      expect(tests.get('reset target 0'), output).toMatchObject({ outcome: 'healed', service: 'db' })
      expect(tests.get('down target 0'), output).toMatchObject({ outcome: 'healed', service: 'db' })
      expect(tests.get('pause target 0'), output).toMatchObject({ outcome: 'healed', service: 'db' })
      // A hang or a latency over the client's timeout is a timeout, never the test's bug: the service
      // the test needs was (as the test saw it) down during the try, and the re-run passes.
      expect(tests.get('timeout target 0'), output).toMatchObject({ outcome: 'healed', service: 'db' })
      expect(tests.get('slow app answers'), output).toMatchObject({ outcome: 'healed', service: 'app' })
      for (const name of ['timeout target 0', 'slow app answers'])
        expect(tests.get(name)?.tries?.[0]?.verdict?.kind).not.toBe('test-bug')
      // The reset and the outage of the proxy are the fault's to end; the paused server was restarted.
      expect(tests.get('reset target 0')?.tries?.[0]?.recovery).toMatchObject({
        by: 'this run',
        strategy: 'chaos:end-fault',
      })
      expect(tests.get('down target 0')?.tries?.[0]?.recovery).toMatchObject({ by: 'itself' })
      expect(report.recoveries).toContainEqual(expect.objectContaining({ service: 'db', ok: true }))
      expectNothingLost(report)
      expect(report.outcome).toBe('passed')
      expect(result.code, output).toBe(0)
    },
  )

  test(
    '--expect-healed turns a fault that never came into a failed run; without it the same green run exits 0',
    { timeout: 120_000 },
    async () => {
      const port = await freePort()
      const dir = generatedProject(
        'chaos-expect-healed',
        `import { defineConfig } from 'vitest/config'
import { heal, http } from 'vitest-heal'

export default defineConfig({
  plugins: [heal({ services: { app: http({ url: 'http://127.0.0.1:${port}/health', start: ['node', 'server.mjs'], env: 'APP_URL' }) } })],
  test: { include: ['test/**/*.test.ts'] },
})
`,
        { 'app.test.ts': APP_FILE },
      )
      writeFileSync(join(dir, 'server.mjs'), SERVER)
      const env = { FIXTURE_APP_PORT: String(port) }
      const spec = ['--fault', 'app:kill@test:/no test has this name/']
      const expecting = await runCli(['chaos', ...spec, '--expect-healed'], env, dir)
      const expected = JSON.parse(readFileSync(join(dir, '.vitest-heal/report.json'), 'utf8')) as RunReport
      const plain = await runCli(['chaos', ...spec], env, dir)
      const report = JSON.parse(readFileSync(join(dir, '.vitest-heal/report.json'), 'utf8')) as RunReport

      for (const run of [expected, report]) {
        expect(run.summary).toMatchObject({ passed: 4, failed: 0 })
        expect(run.faults).toEqual([expect.objectContaining({ id: 'f1', result: 'not-injected' })])
      }
      expect(expected.outcome).toBe('failed')
      expect(expecting.code, expecting.output.slice(-3000)).toBe(1)
      expect(report.outcome).toBe('passed')
      expect(plain.code, plain.output.slice(-3000)).toBe(0)
    },
  )
})
