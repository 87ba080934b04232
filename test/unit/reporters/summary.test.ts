import { describe, expect, it } from 'vitest'
import { summarize } from '../../../src/core/outcome.js'
import { terminalSummary, useColour } from '../../../src/reporters/summary.js'
import { buildView } from '../../../src/reporters/view.js'
import { captureStream, exampleReport } from '../../reporters/fixtures/example-report.js'

function summaryOf(
  isTTY: boolean,
  env: Record<string, string | undefined> = {},
  report = exampleReport(),
): string {
  return terminalSummary({ view: buildView(report), reportDir: '/r', stdout: captureStream(isTTY), env })
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

  it('ends with the one-line summary', () => {
    const lines = summaryOf(false).trimEnd().split('\n')
    expect(lines.at(-1)).toBe(
      ' Heal  ✓ 32 passed  ✚ 3 healed (db restarted 1×, 0.31 s; app restarted 1×, 1 failed, 1.62 s)  ~ 1 flaky  ✗ 2 test bugs  ✗ 1 infra  ○ 1 skipped',
    )
  })

  it('colours only on a TTY and never with NO_COLOR', () => {
    expect(summaryOf(false)).not.toContain('\u001b[')
    expect(summaryOf(true)).toContain('\u001b[31m✗\u001b[39m')
    expect(summaryOf(true, { NO_COLOR: '1' })).not.toContain('\u001b[')
    // no-color.org: an empty NO_COLOR does not count.
    expect(useColour({ write: () => true, isTTY: true }, { NO_COLOR: '' })).toBe(true)
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

  it('says nothing but the line when everything passed', () => {
    const report = exampleReport()
    report.tests = report.tests.filter((t) => t.outcome === 'passed')
    report.recoveries = []
    report.unhandledErrors = []
    report.summary = summarize(report.tests)
    report.outcome = 'passed'
    expect(summaryOf(false, {}, report)).toBe(
      '\n\n Heal  ✓ 32 passed  ✚ 0 healed  ~ 0 flaky  ✗ 0 test bugs  ✗ 0 infra\n',
    )
  })
})
