/**
 * The healing loop, for real: a suite of 200+ tests over 20+ files, several workers, needing a real
 * PostgreSQL that is SIGKILLed (postmaster and children) in the middle of the run.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { RunReport } from '../../src/core/report.js'
import { startPostgres, type PgHandle } from '../helpers/postgres.js'
import { byName, runVitest, waitForProgress } from './harness.js'
import { generateSuite } from './outage-suite.js'

let pg: PgHandle

function recoverWithPgCtl(handle: PgHandle) {
  return [{ argv: ['runuser', '-u', 'postgres', '--', handle.server.binaries.pg_ctl, '-D', handle.dataDir, '-w', '-t', '20', 'start'] }]
}

function scratch(): { progress: string; go: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vitest-heal-e2e-'))
  return { progress: join(dir, 'progress'), go: join(dir, 'go') }
}

/** Tests whose tries include a confirmed infra failure: the ones the outage broke. */
function brokenByOutage(report: RunReport) {
  return report.tests.filter((t) => t.tries?.some((tr) => tr.state === 'failed' && tr.verdict?.kind === 'infra'))
}

beforeAll(async () => {
  pg = await startPostgres()
})
afterAll(async () => {
  await pg?.close()
})

describe('an outage in the middle of a run', () => {
  test('heals every test the outage broke, keeps the planted bug red, caps the flaky one, recovers once', { timeout: 240_000 }, async () => {
    const dir = generateSuite('outage-mid-run', { files: 20, testsPerFile: 10, sleepMs: 25, plantBug: true, plantFlaky: true })
    const { progress } = scratch()
    const run = runVitest(dir, {
      env: { FIXTURE_PG_URL: pg.url, FIXTURE_RECOVER: JSON.stringify(recoverWithPgCtl(pg)), FIXTURE_PROGRESS: progress },
    })
    expect(await waitForProgress(progress, 60)).toBe(true)
    await pg.killHard()
    const result = await run
    const report = result.report!
    expect(report, result.output).toBeDefined()

    const tests = byName(report)
    expect(tests.get('planted bug: the total is wrong')).toMatchObject({ outcome: 'failed', cause: 'test-bug', attempts: 1 })
    const flaky = tests.get('planted flaky: slow on its first try only')!
    expect(flaky.outcome).toBe('flaky')
    expect(flaky.attempts).toBeLessThanOrEqual(3)

    const broken = brokenByOutage(report)
    expect(broken.length, result.output).toBeGreaterThan(0)
    for (const t of broken) expect(t, `${t.name} was broken by the outage`).toMatchObject({ outcome: 'healed', cause: 'infra', service: 'db' })
    expect(report.summary).toMatchObject({ total: 202, failed: 1, testBug: 1, infra: 0, flaky: 1 })
    expect(report.summary.passed + report.summary.healed).toBe(200)

    const inline = report.recoveries.filter((r) => r.trigger === 'inline')
    expect(inline, JSON.stringify(report.recoveries)).toHaveLength(1)
    expect(inline[0]).toMatchObject({ service: 'db', ok: true })
    expect(inline[0]!.requests).toBeGreaterThanOrEqual(1)
    expect(result.code, result.output).toBe(1)
    expect(result.output).toMatch(/Heal\s+✓ \d+ passed\s+✚ \d+ healed \(db (restarted|recovered) 1×/)
  })

  test('without the planted bug the same outage ends green (exit code 0)', { timeout: 240_000 }, async () => {
    const dir = generateSuite('outage-green', { files: 20, testsPerFile: 10, sleepMs: 25 })
    const { progress } = scratch()
    const run = runVitest(dir, {
      env: { FIXTURE_PG_URL: pg.url, FIXTURE_RECOVER: JSON.stringify(recoverWithPgCtl(pg)), FIXTURE_PROGRESS: progress },
    })
    expect(await waitForProgress(progress, 120)).toBe(true)
    await pg.killHard()
    const result = await run
    expect(result.report?.summary.failed, result.output).toBe(0)
    expect(brokenByOutage(result.report!).length).toBeGreaterThan(0)
    expect(result.code, result.output).toBe(0)
  })
})
