/**
 * Issue 14: a PostgreSQL SIGKILLed while every test is stuck waiting on a connection that died
 * (each waits in `beforeAll` or in the test for a NOTIFY that the dead server will never deliver).
 * Nobody fails, so nobody asks for a recovery until the hook timeouts end: without the sampler the
 * server stays down that long. With it the server is back within about one interval, the waiters
 * are reported with the outage as their cause, and a planted assertion bug in the same run stays red.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { generatedProject, runVitest, waitForProgress, type RunResult } from '../../e2e/harness.js'
import { queryOnce, startPostgres, type PgHandle } from '../../helpers/postgres.js'

const INTERVAL = 500
const TIMEOUT = 8_000
const WAITERS = 3

const CONFIG = `import { defineConfig } from 'vitest/config'
import { heal, pgCtl, postgres } from 'vitest-heal'

export default defineConfig({
  plugins: [
    heal({
      services: {
        db: postgres({ url: process.env.FIXTURE_PG_URL, env: 'DATABASE_URL', recover: [pgCtl(process.env.FIXTURE_PG_DATA)] }),
      },
      predict: { interval: ${INTERVAL} },
    }),
  ],
  test: { include: ['test/**/*.test.ts'], maxWorkers: ${WAITERS + 2}, testTimeout: ${TIMEOUT}, hookTimeout: ${TIMEOUT} },
})
`

/** Connects, LISTENs, says ready, then waits for one notification. */
const WAIT_FOR_JOB = `import { appendFileSync } from 'node:fs'
import pg from 'pg'

export async function nextJob(): Promise<string> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL })
  client.on('error', () => {})
  await client.connect()
  await client.query('LISTEN jobs')
  appendFileSync(process.env.FIXTURE_READY!, '.')
  return new Promise((resolve) => client.on('notification', (n) => resolve(n.payload ?? '')))
}
`

const HOOK_WAITER = `import { beforeAll, expect, test } from 'vitest'
import { nextJob } from '../wait-for-job.js'

let job = ''
beforeAll(async () => {
  job = await nextJob()
})

test('handles the job it waited for in beforeAll', () => {
  expect(job).toBe('work')
})
`

const TEST_WAITER = `import { expect, test } from 'vitest'
import { nextJob } from '../wait-for-job.js'

test('waits for a job inside the test', { tags: ['needs:db'] }, async () => {
  expect(await nextJob()).toBe('work')
})
`

// Says ready once its query is done: the kill must not meet it, or its own failed connect would ask
// for the recovery inline before the sampler sees the outage (seen under CI's load).
const PLANTED_BUG = `import { appendFileSync } from 'node:fs'
import pg from 'pg'
import { expect, test } from 'vitest'

test('planted bug: counts wrong', async () => {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL })
  await client.connect()
  const { rows } = await client.query('SELECT 2 AS two')
  await client.end()
  appendFileSync(process.env.FIXTURE_READY!, '.')
  expect(rows[0].two).toBe(3)
})
`

let pg: PgHandle
let scratch: string
let result: RunResult
let killedAt = 0

beforeAll(async () => {
  pg = await startPostgres()
  scratch = mkdtempSync(join(tmpdir(), 'vitest-heal-sampler-'))
  const files: Record<string, string> = {
    'planted-bug.test.ts': PLANTED_BUG,
    'test-waiter.test.ts': TEST_WAITER,
  }
  for (let i = 0; i < WAITERS - 1; i++) files[`hook-waiter-${i}.test.ts`] = HOOK_WAITER
  const dir = generatedProject('sampler-stuck-waiters', CONFIG, files)
  writeFileSync(join(dir, 'wait-for-job.ts'), WAIT_FOR_JOB)
  const ready = join(scratch, 'ready')
  const run = runVitest(dir, {
    env: { FIXTURE_PG_URL: pg.url, FIXTURE_PG_DATA: pg.dataDir, FIXTURE_READY: ready },
    timeoutMs: 90_000,
  })
  // The waiters, stuck on their LISTEN, and the planted bug, done with the database.
  if (!(await waitForProgress(ready, WAITERS + 1, 60_000)))
    throw new Error(`waiters not ready:\n${(await run).output}`)
  await pg.killHard()
  killedAt = Date.now()
  // The producer: once the server is back, a job every 100 ms for whoever listens (re-runs do).
  let producing = true
  const producer = (async () => {
    while (producing) {
      await queryOnce(pg.url, "NOTIFY jobs, 'work'").catch(() => undefined)
      await new Promise((r) => setTimeout(r, 100))
    }
  })()
  result = await run.finally(() => (producing = false))
  await producer
}, 120_000)

afterAll(async () => {
  await pg?.close()
  rmSync(scratch, { recursive: true, force: true })
})

describe('a PostgreSQL killed under tests stuck on dead connections', () => {
  test('is recovered by the sampler within about one interval, long before any waiter times out', () => {
    const recoveries = result.report?.recoveries ?? []
    const first = recoveries.find((r) => r.service === 'db' && r.ok)
    expect(first, result.output.slice(-3000)).toMatchObject({
      trigger: 'sampler',
      strategy: 'pg_ctl',
    })
    // Two probes an interval apart, then pg_ctl start -w (a second or two on a loaded machine).
    const back = Date.parse(first!.startedAt) + first!.durationMs
    expect(back - killedAt).toBeLessThan(2 * INTERVAL + 4_000)
    expect(back - killedAt).toBeLessThan(TIMEOUT)
  })

  test('the waiters are reported with the outage as their cause; the planted bug stays red', () => {
    const report = result.report!
    const tests = new Map(report.tests.map((t) => [t.name, t]))
    expect(tests.get('planted bug: counts wrong')).toMatchObject({ outcome: 'failed', cause: 'test-bug' })
    // Stuck in the test: its timeout overlapped the outage of the service it needs (rule outage-overlap).
    const inTest = tests.get('waits for a job inside the test')!
    expect(inTest, result.output).toMatchObject({ outcome: 'healed', cause: 'infra', service: 'db' })
    expect(inTest.tries?.[0]?.verdict).toMatchObject({ kind: 'infra', service: 'db', rule: 'outage-overlap' })
    expect(inTest.tries?.[0]?.verdict?.evidence).toMatch(
      // Vitest 4.1 names the timeout `Error`, 5.x `TestTimeoutError`.
      /^(TestTimeoutError|Error): Test timed out in \d+ms\. — while db was down \(down from .+ to .+\)/,
    )
    // Stuck in beforeAll: the hook's timeout carries our evidence of the outage, and the second pass re-ran them.
    const inHook = report.tests.filter((t) => t.name === 'handles the job it waited for in beforeAll')
    expect(inHook).toHaveLength(WAITERS - 1)
    for (const t of inHook)
      expect(t, result.output).toMatchObject({ outcome: 'healed', cause: 'infra', service: 'db' })
    // From report.json: Vitest 5 does not print a hook's error in full.
    const hookErrors = (report.errors ?? []).map((e) => `${e.name}: ${e.message}`).join('\n')
    expect(hookErrors, result.output).toMatch(
      /HealError: vitest-heal: db \(127\.0\.0\.1:\d+\) was down while this hook ran \(down from \S+ to \S+\): its failure \((HookTimeoutError|Error): Hook timed out in \d+ms\.\) is the outage's/,
    )
    expect(report.summary).toMatchObject({ healed: WAITERS, testBug: 1, infra: 0, flaky: 0 })
    expect(result.code).toBe(1)
  })
})
