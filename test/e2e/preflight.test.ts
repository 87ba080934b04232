/**
 * Pre-flight, for real: a PostgreSQL started here is killed (SIGKILL of the postmaster and its
 * children, or `pg_ctl stop -m immediate`) before `vitest run`; the plugin's pre-flight must bring it
 * back with the configured command before the first test, or stop the run with one clear message.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startPostgres, type PgHandle } from '../helpers/postgres.js'
import { ROOT, runCli, runVitest } from './harness.js'

const FIXTURE = join(ROOT, 'test/e2e/fixtures/preflight')
let pg: PgHandle

/** pg_ctl refuses to run as root: the recovery runs it as the cluster's owner, without a shell. */
function pgCtlStart(handle: PgHandle): string[] {
  return [
    'runuser',
    '-u',
    'postgres',
    '--',
    handle.server.binaries.pg_ctl,
    '-D',
    handle.dataDir,
    '-w',
    '-t',
    '20',
    'start',
  ]
}

beforeAll(async () => {
  pg = await startPostgres()
})
afterAll(async () => {
  await pg?.close()
})

describe('pre-flight', () => {
  test('brings a SIGKILLed PostgreSQL back with the recovery command, then the tests pass', async () => {
    await pg.killHard()
    const run = await runVitest(FIXTURE, {
      env: { FIXTURE_PG_URL: pg.url, FIXTURE_RECOVER: JSON.stringify([pgCtlStart(pg)]) },
    })
    expect(run.output).toMatch(/db .*healthy in \d+\.\d\d s/)
    expect(run.code, run.output).toBe(0)
    expect(run.report?.recoveries).toEqual([
      expect.objectContaining({
        service: 'db',
        strategy: expect.stringMatching(/^command/),
        ok: true,
        trigger: 'preflight',
      }),
    ])
    expect(run.report?.summary).toMatchObject({ total: 1, passed: 1, failed: 0 })
  })

  test('preflight: false still exports a static URL through env (DATABASE_URL reaches the tests)', async () => {
    await pg.start().catch(() => undefined)
    const run = await runVitest(FIXTURE, { env: { FIXTURE_PG_URL: pg.url, FIXTURE_PREFLIGHT: 'false' } })
    expect(run.code, run.output).toBe(0)
    expect(run.report?.recoveries).toEqual([])
    expect(run.report?.summary).toMatchObject({ total: 1, passed: 1, failed: 0 })
  })

  test("a service's tests glob that matches no file is warned about once, in one line", async () => {
    const run = await runVitest(FIXTURE, {
      env: { FIXTURE_PG_URL: pg.url, FIXTURE_TESTS: JSON.stringify(['tset/**/*.test.ts']) },
    })
    expect(run.code, run.output).toBe(0)
    const warnings = run.output.split('\n').filter((line) => line.includes('matches no test file'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('services.db.tests ("tset/**/*.test.ts") matches no test file')
    const matched = await runVitest(FIXTURE, {
      env: { FIXTURE_PG_URL: pg.url, FIXTURE_TESTS: JSON.stringify(['test/**/*.test.ts']) },
    })
    expect(matched.output).not.toContain('matches no test file')
  })

  test('brings back a PostgreSQL stopped with pg_ctl -m immediate', async () => {
    await pg.stopImmediate()
    const run = await runVitest(FIXTURE, {
      env: { FIXTURE_PG_URL: pg.url, FIXTURE_RECOVER: JSON.stringify([pgCtlStart(pg)]) },
    })
    expect(run.code, run.output).toBe(0)
    expect(run.report?.recoveries[0]).toMatchObject({ service: 'db', ok: true, trigger: 'preflight' })
  })

  test('a healthy service is not recovered', async () => {
    const run = await runVitest(FIXTURE, { env: { FIXTURE_PG_URL: pg.url, FIXTURE_RECOVER: '[]' } })
    expect(run.code, run.output).toBe(0)
    expect(run.report?.recoveries).toEqual([])
    expect(run.output).toMatch(/db healthy/)
  })

  test('a service that cannot be made healthy stops the run before any test, saying what ran', async () => {
    await pg.killHard()
    const url = pg.url.replace('postgres@', 'postgres:s3cret-pw@')
    const run = await runVitest(FIXTURE, {
      env: {
        FIXTURE_PG_URL: url,
        FIXTURE_RECOVER: JSON.stringify([['false'], ['node', '-e', 'process.exit(3)']]),
      },
    })
    expect(run.code).not.toBe(0)
    expect(run.output).toContain('pre-flight failed: service "db"')
    expect(run.output).toContain('No test was run.')
    // Which checks and recoveries ran, what each said, how long each took.
    expect(run.output).toMatch(/check\s+down: .*ECONNREFUSED.*\(\d+\.\d\d s\)/)
    expect(run.output).toMatch(/recover command.*false.*failed: .*\(\d+\.\d\d s\)/)
    expect(run.output).toMatch(/recover command.*node -e process\.exit\(3\).*failed: .*exit.*3/)
    expect(run.output).not.toContain('the database answers')
    expect(run.output).not.toContain('s3cret-pw')
    await pg.start()
  })

  test('a recovery command that does not exist is named before anything runs', async () => {
    const run = await runVitest(FIXTURE, {
      env: {
        FIXTURE_PG_URL: pg.url,
        FIXTURE_RECOVER: JSON.stringify([['pg_ctl_that_is_not_there', 'start']]),
      },
    })
    expect(run.code).not.toBe(0)
    expect(run.output).toContain('pg_ctl_that_is_not_there')
    expect(run.output).toContain('services.db.recover[0]')
  })

  test('doctor prints the table and exits 0 only when every service is healthy; --fix recovers', async () => {
    const env = {
      FIXTURE_PG_URL: pg.url.replace('postgres@', 'postgres:hunter2@'),
      FIXTURE_RECOVER: JSON.stringify([pgCtlStart(pg)]),
    }
    const healthy = await runCli(['doctor'], env)
    expect(healthy.code, healthy.output).toBe(0)
    expect(healthy.output).toMatch(/service\s+kind\s+target\s+healthy\s+latency\s+recovers with/)
    expect(healthy.output).toMatch(
      /db\s+postgres\s+postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres\s+yes/,
    )
    expect(healthy.output).not.toContain('hunter2')

    await pg.killHard()
    const down = await runCli(['doctor'], env)
    expect(down.code).toBe(1)
    expect(down.output).toMatch(/db\s+postgres\s+\S+\s+no: down, .*ECONNREFUSED/)

    const fixed = await runCli(['doctor', '--fix'], env)
    expect(fixed.code, fixed.output).toBe(0)
    expect(fixed.output).toMatch(/db .*healthy in/)
  })

  test('a malformed config fails at load time naming the key', async () => {
    const run = await runVitest(FIXTURE, { env: { FIXTURE_PG_URL: 'mysql://nope', FIXTURE_RECOVER: '[]' } })
    expect(run.code).not.toBe(0)
    expect(run.output).toContain('services.db.url: expected')
    expect(run.output).not.toContain('the database answers')
  })
})
