import { describe, expect, it } from 'vitest'
import { summarize } from '../../../src/core/outcome.js'
import type { OutsideError, RunReport } from '../../../src/core/report.js'
import type { ReporterName } from '../../../src/reporters/context.js'
import { terminalSummary, useColour } from '../../../src/reporters/summary.js'
import { buildView } from '../../../src/reporters/view.js'
import { captureStream, exampleReport } from '../../reporters/fixtures/example-report.js'

function summaryOf(
  isTTY: boolean,
  env: Record<string, string | undefined> = {},
  report = exampleReport(),
  written?: ReporterName[],
): string {
  return terminalSummary({
    view: buildView(report),
    reportDir: '/r',
    stdout: captureStream(isTTY),
    env,
    ...(written ? { written } : {}),
  })
}

function outsideError(patch: Partial<OutsideError>): OutsideError {
  return {
    where: 'suite',
    file: 'test/orders.test.ts',
    suite: 'orders',
    pass: 1,
    name: 'TypeError',
    message: "Cannot read properties of undefined (reading 'end')",
    verdict: { kind: 'test-bug', rule: 'default', evidence: 'TypeError' },
    forgiven: false,
    why: 'not an infra error: it fails the run as plain Vitest would',
    ...patch,
  }
}

function green(report: RunReport): RunReport {
  report.tests = report.tests.filter((t) => t.outcome === 'passed' || t.outcome === 'healed')
  report.recoveries = report.recoveries.filter((r) => r.service === 'db')
  report.summary = summarize(report.tests)
  report.outcome = 'passed'
  return report
}

describe('terminal summary', () => {
  it('lists test bugs, unrecovered infra and flaky tests with file:line and the deciding rule', () => {
    const text = summaryOf(false)
    expect(text).toContain(' Test bugs (2)')
    expect(text).toContain('✗ test/users.test.ts:90 › users > shows the greeting  [rule assertion]')
    expect(text).toContain("AssertionError: expected 'Hello, Bob' to be 'Hello, Ann'")
    expect(text).toContain(' Infra failures, not recovered (1)')
    expect(text).toContain(
      '✗ test/health.test.ts:30 › health > reports ready  [service app, rule connection-refused]',
    )
    expect(text).toContain(
      'root cause: recovery restart failed: server exited with code 1: Error: listen EADDRINUSE 127.0.0.1:3000',
    )
    expect(text).toContain(
      '~ test/search.test.ts:80 › search > suggests while typing  [rule timeout, 2 attempts]',
    )
  })

  it('names each healed test with its service, rule, recovery and when it was healthy again, and says Vitest showed it failed', () => {
    const text = summaryOf(false)
    expect(text).toContain(
      ' Healed (3): Vitest above shows them retried, failed or skipped; their service was recovered and they passed on a re-run',
    )
    expect(text).toContain(
      '✚ test/orders.test.ts:64 › orders > creates an order  [db restart 0.31 s, healthy at 2.45 s, rule pg-connection-refused, 2 attempts]',
    )
    expect(text).toContain('✚ test/users.test.ts:66 › users > updates the e-mail  [db restart 0.31 s')
  })

  it("a try's own recovery record names the recovery (another process, or the run's own)", () => {
    const report = exampleReport()
    const [first, second] = report.tests.filter((t) => t.outcome === 'healed')
    first!.tries![0]!.recovery = { service: 'db', by: 'another process' }
    second!.tries![0]!.recovery = {
      service: 'db',
      by: 'this run',
      strategy: 'command:pg_ctl',
      durationMs: 1_234,
      healthyAt: '2026-11-23T10:00:03.500Z',
    }
    const text = summaryOf(false, {}, report)
    expect(text).toContain(`› ${first!.name}  [db recovered by another process, rule`)
    expect(text).toContain(`› ${second!.name}  [db command:pg_ctl 1.23 s, healthy at 3.50 s, rule`)
  })

  it('lists forgiven errors outside tests with why, once each, from report.errors and unhandledErrors', () => {
    const report = exampleReport()
    report.errors = [
      outsideError({
        where: 'suite',
        name: 'Error',
        message: 'connect ECONNREFUSED 127.0.0.1:54329',
        verdict: { kind: 'infra', service: 'db', rule: 'pg-connection-refused', evidence: 'ECONNREFUSED' },
        forgiven: true,
        why: 'infra error of the db outage healed at 2.45 s',
      }),
      // The same unhandled error as unhandledErrors[0]: listed once.
      outsideError({
        where: 'unhandled',
        name: 'error',
        message: 'terminating connection due to unexpected postmaster exit',
        verdict: { kind: 'infra', service: 'db', rule: 'pg-57P01', evidence: '57P01' },
        forgiven: true,
        why: 'an idle client of the healed db outage',
      }),
    ]
    const text = summaryOf(false, {}, report)
    expect(text).toContain(
      ' Forgiven errors outside tests (2): counted as errors by Vitest above, they do not fail the run',
    )
    expect(text).toContain(
      '✓ suite hook "orders" in test/orders.test.ts: Error: connect ECONNREFUSED 127.0.0.1:54329  [infra, service db, rule pg-connection-refused]',
    )
    expect(text).toContain('why: infra error of the db outage healed at 2.45 s')
    expect(text).toContain('why: an idle client of the healed db outage')
    expect(text.match(/unexpected postmaster exit/g)).toHaveLength(1)
  })

  it('an older report (unhandledErrors only) still says why an error was forgiven', () => {
    const text = summaryOf(false)
    expect(text).toContain(' Forgiven errors outside tests (1)')
    expect(text).toContain(
      '✓ unhandled: error: terminating connection due to unexpected postmaster exit  [infra, service db, rule pg-57P01]',
    )
    expect(text).toContain('why: infra error of an outage of db that was healed')
  })

  it('an unforgiven error outside tests is listed, counted in the line, and named as why the run fails', () => {
    const report = green(exampleReport())
    report.errors = [outsideError({ where: 'module', suite: undefined })]
    report.outcome = 'failed'
    const lines = summaryOf(false, {}, report).trimEnd().split('\n')
    expect(lines).toContain(' Errors outside tests, not forgiven (1)')
    expect(lines).toContain(
      "   ✗ file level of test/orders.test.ts: TypeError: Cannot read properties of undefined (reading 'end')  [test-bug, rule default]",
    )
    expect(lines.at(-2)).toContain('✗ 0 test bugs  ✗ 0 infra  ✗ 1 error outside tests')
    expect(lines.at(-1)).toBe(' ✗ FAILED — exit code 1: 1 error outside tests')
  })

  it('ends with the counts, then the result and its exit code', () => {
    const lines = summaryOf(false).trimEnd().split('\n')
    expect(lines.at(-2)).toBe(
      ' Heal  ✓ 32 passed  ✚ 3 healed (db restarted 1×, 0.31 s; app restarted 1×, 1 failed, 1.62 s)  ~ 1 flaky  ✗ 2 test bugs  ✗ 1 infra  ○ 1 skipped',
    )
    expect(lines.at(-1)).toBe(' ✗ FAILED — exit code 1: 2 test bugs, 1 infra failure')
  })

  it('test bugs come last before the report path, so the last lines on screen hold what to fix', () => {
    const text = summaryOf(false, {}, exampleReport(), ['json', 'junit', 'html'])
    const at = (needle: string): number => text.indexOf(needle)
    expect(at(' Healed (3)')).toBeLessThan(at(' Forgiven errors'))
    expect(at(' Forgiven errors')).toBeLessThan(at(' Flaky'))
    expect(at(' Flaky')).toBeLessThan(at(' Infra failures'))
    expect(at(' Infra failures')).toBeLessThan(at(' Test bugs'))
    expect(at(' Test bugs')).toBeLessThan(at(' Report: /r/index.html'))
    expect(at(' Report: /r/index.html')).toBeLessThan(at(' Heal  ✓'))
  })

  it('names index.html only when the html report was written, else report.json, else nothing', () => {
    expect(summaryOf(false, {}, exampleReport(), ['json', 'html'])).toContain(' Report: /r/index.html\n')
    expect(summaryOf(false, {}, exampleReport(), ['json'])).toContain(' Report: /r/report.json\n')
    expect(summaryOf(false, {}, exampleReport(), [])).not.toContain('Report:')
  })

  it('says PASSED and exit code 0 when the run passed over healed tests', () => {
    const lines = summaryOf(false, {}, green(exampleReport())).trimEnd().split('\n')
    expect(lines.at(-1)).toBe(' ✓ PASSED — exit code 0')
    expect(lines.at(-2)).toMatch(/^ Heal {2}✓ 32 passed {2}✚ 3 healed \(db restarted 1×, 0\.31 s\)/)
  })

  it('colours only on a TTY and never with NO_COLOR (the rule itself: colour.test.ts)', () => {
    expect(summaryOf(false)).not.toContain('\u001b[')
    expect(summaryOf(true)).toContain('\u001b[31m✗\u001b[39m')
    expect(summaryOf(true, { NO_COLOR: '1' })).not.toContain('\u001b[')
    expect(useColour({ isTTY: true }, { NO_COLOR: '' })).toBe(false)
  })

  it('cuts long lists and points to the HTML report', () => {
    const report = exampleReport()
    const bug = report.tests.find((t) => t.name === 'users > shows the greeting')!
    for (let i = 0; i < 30; i++) report.tests.push({ ...bug, name: `bug ${i}` })
    const text = summaryOf(false, {}, report)
    expect(text).toContain(' Test bugs (32)')
    expect(text).toContain('… and 12 more in the HTML report')
    expect(text).not.toContain('bug 29')
  })

  it('says nothing but the counts and the result when everything passed', () => {
    const report = exampleReport()
    report.tests = report.tests.filter((t) => t.outcome === 'passed')
    report.recoveries = []
    report.unhandledErrors = []
    report.summary = summarize(report.tests)
    report.outcome = 'passed'
    expect(summaryOf(false, {}, report)).toBe(
      '\n\n Heal  ✓ 32 passed  ✚ 0 healed  ~ 0 flaky  ✗ 0 test bugs  ✗ 0 infra\n ✓ PASSED — exit code 0\n',
    )
  })
})
