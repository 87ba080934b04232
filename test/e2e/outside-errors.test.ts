/**
 * Errors outside any test, for real: a file hook (`afterAll`) that throws after its test passed.
 * Plain Vitest fails such a run; vitest-heal must too, on both legs, unless the error belongs to
 * an outage it healed — here a real PostgreSQL SIGKILLed under the hook.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startPostgres, type PgHandle } from '../helpers/postgres.js'
import { generatedProject, runVitest, runWithGo, WAIT_FOR_GO } from './harness.js'

const AFTER_ALL_BUG = `import { afterAll, expect, test } from 'vitest'

let resource: { close(): void } | undefined
test('passes', () => {
  expect(1 + 1).toBe(2)
})
// The planted bug: nothing was opened, so there is nothing to close.
afterAll(() => {
  resource!.close()
})
`

describe('an afterAll that throws a TypeError after its test passed, no outage', () => {
  const config = `import { defineConfig } from 'vitest/config'
import { heal } from 'vitest-heal'

export default defineConfig({ plugins: [heal({})], test: { include: ['test/**/*.test.ts'] } })
`
  test.each([
    ['vitest run', false],
    ['vitest-heal run', true],
  ])(
    '%s exits 1 and the error is in report.json errors[] and in junit.xml',
    { timeout: 60_000 },
    async (_, wrapper) => {
      const dir = generatedProject(`after-all-bug${wrapper ? '-wrapper' : ''}`, config, {
        'hook.test.ts': AFTER_ALL_BUG,
      })
      const result = await runVitest(dir, { wrapper })
      const report = result.report!
      expect(report, result.output).toBeDefined()
      expect(report.summary).toMatchObject({ total: 1, passed: 1, failed: 0 })
      expect(report.errors).toEqual([
        expect.objectContaining({
          where: 'module',
          file: 'test/hook.test.ts',
          pass: 1,
          name: 'TypeError',
          verdict: expect.objectContaining({ kind: 'test-bug' }),
          forgiven: false,
          why: expect.stringContaining('fails the run'),
        }),
      ])
      expect(report.outcome).toBe('failed')
      const junit = readFileSync(join(dir, '.vitest-heal/junit.xml'), 'utf8')
      expect(junit).toMatch(/<testsuite name="test\/hook\.test\.ts" tests="2" failures="1"/)
      expect(junit).toMatch(
        /<testcase name="\(file hook or top level\)"[^>]*>[\s\S]*?<failure [^>]*type="TypeError"/,
      )
      expect(result.code, result.output).toBe(1)
    },
  )
})

/**
 * `hook.test.ts` holds a connection open, passes its test, then in `afterAll` waits for the e2e
 * test's go (given once the database is SIGKILLed) and queries on the dead connection.
 * `query.test.ts` queries after the go too: its failure is what the inline path heals.
 */
function outageProject(name: string, plantBug: boolean): string {
  const config = `import { defineConfig } from 'vitest/config'
import { heal, pgCtl, postgres } from 'vitest-heal'

export default defineConfig({
  plugins: [
    heal({
      services: {
        db: postgres({ url: process.env.FIXTURE_PG_URL, env: 'DATABASE_URL', startTimeout: 20_000, recover: [pgCtl(process.env.FIXTURE_PG_DATA)] }),
      },
    }),
  ],
  test: { include: ['test/**/*.test.ts'], maxWorkers: 3, testTimeout: 20_000, hookTimeout: 20_000 },
})
`
  const hook = `import { appendFileSync, existsSync } from 'node:fs'
import pg from 'pg'
import { afterAll, beforeAll, expect, test } from 'vitest'

${WAIT_FOR_GO}
let client: pg.Client
beforeAll(async () => {
  client = new pg.Client({ connectionString: process.env.DATABASE_URL })
  client.on('error', () => {})
  await client.connect()
})
test('reads one row', async () => {
  const { rows } = await client.query('SELECT 1 AS one')
  expect(rows[0].one).toBe(1)
})
afterAll(async () => {
  appendFileSync(process.env.FIXTURE_READY!, '.')
  await waitForGo()
  // The connection died with the server: this query fails with a connection error.
  await client.query('SELECT 1')
})
`
  const query = `import { appendFileSync, existsSync } from 'node:fs'
import pg from 'pg'
import { expect, test } from 'vitest'

${WAIT_FOR_GO}
test('queries after the outage began', { tags: ['needs:db'] }, async () => {
  appendFileSync(process.env.FIXTURE_READY!, '.')
  await waitForGo()
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 5_000 })
  client.on('error', () => {})
  try {
    await client.connect()
    const { rows } = await client.query('SELECT 2 AS two')
    expect(rows[0].two).toBe(2)
  } finally {
    await client.end().catch(() => {})
  }
})
`
  return generatedProject(name, config, {
    'hook.test.ts': hook,
    'query.test.ts': query,
    ...(plantBug ? { 'planted-hook-bug.test.ts': AFTER_ALL_BUG } : {}),
  })
}

describe('an afterAll that fails with a connection error during a healed outage', () => {
  let pg: PgHandle
  beforeAll(async () => {
    pg = await startPostgres()
  })
  afterAll(async () => {
    await pg?.close()
  })

  async function runWithOutage(name: string, plantBug: boolean) {
    const dir = outageProject(name, plantBug)
    const { result, go } = await runWithGo(
      dir,
      { FIXTURE_PG_URL: pg.url, FIXTURE_PG_DATA: pg.dataDir },
      2,
      () => pg.killHard(),
    )
    expect(existsSync(go)).toBe(true)
    return { result, dir }
  }

  test('is forgiven, with why, and the run exits 0', { timeout: 120_000 }, async () => {
    const { result, dir } = await runWithOutage('after-all-outage', false)
    const report = result.report!
    expect(report, result.output).toBeDefined()
    expect(report.recoveries.some((r) => r.service === 'db' && r.ok && r.trigger !== 'preflight')).toBe(true)
    const hookErrors = report.errors?.filter((e) => e.file === 'test/hook.test.ts') ?? []
    expect(hookErrors.length, JSON.stringify(report.errors)).toBeGreaterThan(0)
    for (const error of hookErrors) {
      expect(error).toMatchObject({
        where: 'module',
        verdict: expect.objectContaining({ kind: 'infra', service: 'db' }),
        forgiven: true,
        why: expect.stringContaining('found down and recovered'),
      })
    }
    expect(
      report.errors?.every((e) => e.forgiven),
      JSON.stringify(report.errors),
    ).toBe(true)
    expect(report.summary).toMatchObject({ total: 2, failed: 0 })
    expect(report.outcome).toBe('passed')
    const junit = readFileSync(join(dir, '.vitest-heal/junit.xml'), 'utf8')
    expect(junit).toMatch(
      /<testcase name="\(file hook or top level\)"[^>]*>[\s\S]*?<property name="forgiven" value="true"\/>/,
    )
    expect(result.code, result.output).toBe(0)
  })

  test(
    'a TypeError in another afterAll of the same run is not forgiven by that recovery: exit 1',
    { timeout: 120_000 },
    async () => {
      const { result } = await runWithOutage('after-all-outage-bug', true)
      const report = result.report!
      expect(report, result.output).toBeDefined()
      expect(report.errors?.find((e) => e.file === 'test/planted-hook-bug.test.ts')).toMatchObject({
        name: 'TypeError',
        forgiven: false,
      })
      expect(report.errors?.filter((e) => e.file === 'test/hook.test.ts').every((e) => e.forgiven)).toBe(true)
      expect(report.outcome).toBe('failed')
      expect(result.code, result.output).toBe(1)
    },
  )
})
