import { describe, expect, test } from 'vitest'
import { ciContext } from '../../../src/history/ci.js'
import { eventsFromReport, MAX_EVENT_MESSAGE, PROBE_DOWN_PATTERN } from '../../../src/history/events.js'
import { greenReport, outageReport } from './reports.js'

const ci = { provider: 'local' }

describe('eventsFromReport', () => {
  test('a green run is one run event', () => {
    const events = eventsFromReport(greenReport('2026-11-01T10:00:00.000Z'), { runId: 'r1', ci })
    expect(events).toEqual([
      expect.objectContaining({
        type: 'run',
        id: 'r1/run',
        outcome: 'passed',
        total: 3,
        passed: 3,
        endedAt: '2026-11-01T10:00:00.900Z',
      }),
    ])
  })

  test('each failed try, each recovery and the run, with stable ids', () => {
    const report = outageReport('2026-11-01T10:00:00.000Z', { flaky: true })
    const events = eventsFromReport(report, { runId: 'r2', ci, serviceKinds: { db: 'postgres' } })
    expect(events.map((e) => e.id)).toEqual(['r2/run', 'r2/f/0', 'r2/f/1', 'r2/f/2', 'r2/r/0', 'r2/r/1'])
    expect(events[1]).toMatchObject({
      testKey: '::test/db.test.ts::orders > saves',
      verdict: 'infra',
      rule: 'pg.admin-shutdown',
      service: 'db',
      errorName: 'error',
      errorCode: '57P01',
      attempt: 1,
      outcome: 'healed',
    })
    // Same-named tests stay two keys: the second carries its index.
    expect(events[3]).toMatchObject({
      testKey: '::test/cart.test.ts::cart > total::1',
      index: 1,
      outcome: 'flaky',
      rule: 'vitest.test-timeout',
    })
    expect(events[4]).toMatchObject({
      service: 'db',
      serviceKind: 'postgres',
      errorType: 'pg.admin-shutdown',
      strategy: 'restart',
      ok: false,
      durationMs: 250,
      retryCount: 0,
      trigger: 'inline',
    })
    expect(events[5]).toMatchObject({ strategy: 'pg_ctl', ok: true, retryCount: 1 })
    // The same report gives the same events: a spool re-sent is recognised by its ids.
    expect(eventsFromReport(report, { runId: 'r2', ci, serviceKinds: { db: 'postgres' } })).toEqual(events)
  })

  test('messages are redacted and capped', () => {
    const report = outageReport('2026-11-01T10:00:00.000Z')
    report.tests[2]!.tries![0]!.errors[0]!.message = `x\u0000${'y'.repeat(5000)}`
    const events = eventsFromReport(report, { runId: 'r', ci })
    const db = events.find((e) => e.type === 'failure' && e.file === 'test/db.test.ts')
    expect(db && 'message' in db && db.message).toContain('password=***')
    const long = events.find((e) => e.type === 'failure' && e.file === 'test/cart.test.ts')
    expect(long && 'message' in long && long.message.length).toBe(MAX_EVENT_MESSAGE)
    expect(long && 'message' in long && long.message).not.toContain('\u0000')
  })

  test('a pre-flight recovery has no failing test behind it: probe.down', () => {
    const report = greenReport('2026-11-01T10:00:00.000Z')
    report.recoveries.push({
      service: 'db',
      strategy: 'pg_ctl',
      ok: true,
      trigger: 'preflight',
      startedAt: '2026-11-01T10:00:00.000Z',
      durationMs: 90,
      requests: 1,
    })
    const [, recovery] = eventsFromReport(report, { runId: 'r', ci })
    expect(recovery).toMatchObject({ type: 'recovery', errorType: PROBE_DOWN_PATTERN })
  })

  test('errors outside tests are recorded with where they were thrown', () => {
    const report = greenReport('2026-11-01T10:00:00.000Z')
    report.errors = [
      {
        where: 'suite',
        file: 'test/a.test.ts',
        suite: 'orders',
        pass: 1,
        name: 'Error',
        message: 'boom',
        forgiven: false,
        why: 'a test bug',
      },
    ]
    const [, failure] = eventsFromReport(report, { runId: 'r', ci })
    expect(failure).toMatchObject({
      type: 'failure',
      where: 'suite',
      testKey: '::test/a.test.ts::orders',
      outcome: 'failed',
    })
  })
})

describe('ciContext', () => {
  test.each([
    [
      {
        GITHUB_ACTIONS: 'true',
        GITHUB_WORKFLOW: 'ci',
        GITHUB_JOB: 'test',
        GITHUB_RUN_ID: '7',
        GITHUB_SHA: 'abc',
        CI: 'true',
      },
      { provider: 'github', job: 'ci/test/7', commit: 'abc' },
    ],
    [
      { GITLAB_CI: 'true', CI_JOB_ID: '42', CI_COMMIT_SHA: 'def', CI: 'true' },
      { provider: 'gitlab', job: '42', commit: 'def' },
    ],
    [
      { CI: 'true', BUILD_ID: '9' },
      { provider: 'ci', job: '9' },
    ],
    [{ CI: 'false' }, { provider: 'local' }],
    [{}, { provider: 'local' }],
  ])('%o', (env, expected) => {
    expect(ciContext(env)).toEqual(expected)
  })
})
