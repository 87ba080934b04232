/**
 * `tests[].history` (issue 12): each failed or flaky test says whether the history knew it as
 * flaky; every report shows it (terminal, junit property, HTML), and a passing test carries nothing.
 */
import { describe, expect, test } from 'vitest'
import { summarize, runOutcome } from '../../../src/core/outcome.js'
import type { RunReport, TestReport } from '../../../src/core/report.js'
import { annotateTestHistory, testHistoryText } from '../../../src/core/test-history.js'
import { htmlPage } from '../../../src/reporters/html.js'
import { junitXml } from '../../../src/reporters/junit.js'
import { terminalSummary } from '../../../src/reporters/summary.js'
import { buildView } from '../../../src/reporters/view.js'
import { captureStream } from '../../reporters/fixtures/example-report.js'

const base = { file: 'test/a.test.ts', service: null, rule: 'vitest.test-timeout', attempts: 3 }
const tests = (): TestReport[] => [
  { ...base, name: 'passes', outcome: 'passed', cause: null, attempts: 1, rule: null },
  { ...base, name: 'slow', outcome: 'flaky', cause: null },
  { ...base, name: 'planted bug', outcome: 'failed', cause: 'test-bug', rule: 'assertion' },
]
const known = new Map([['slow', { flakyRuns: 4, runs: 20, rate: 0.2 }]])

function report(list: TestReport[]): RunReport {
  const summary = summarize(list)
  return { version: 1, outcome: runOutcome(summary), summary, tests: list, recoveries: [] }
}

describe('test history', () => {
  test('failed and flaky tests are new or known flaky; passing ones carry nothing', () => {
    const list = tests()
    expect(annotateTestHistory(list, known, (t) => t.name)).toBe(2)
    expect(list[0]!.history).toBeUndefined()
    expect(list[1]!.history).toEqual({ status: 'known-flaky', flakyRuns: 4, runs: 20, rate: 0.2 })
    expect(list[2]!.history).toEqual({ status: 'new' })
    expect(testHistoryText(list[1]!.history!)).toBe('known flaky: 4 of 20 runs (20%)')
  })

  test('every report shows it', () => {
    const list = tests()
    annotateTestHistory(list, known, (t) => t.name)
    const view = buildView(report(list))
    const terminal = terminalSummary({ view, reportDir: '/r', stdout: captureStream(false), env: {} })
    expect(terminal).toMatch(/slow[^\n]*known flaky: 4 of 20 runs \(20%\)/)
    expect(terminal).toMatch(/planted bug[^\n]*new: the history knows no flaky run of it/)
    const xml = junitXml(list, '/r')
    expect(xml).toContain('name="history" value="known flaky: 4 of 20 runs (20%)"')
    expect(xml).toContain('name="history" value="new: the history knows no flaky run of it"')
    const html = htmlPage(view, '/r')
    expect(html).toContain('known flaky: 4 of 20 runs (20%)')
    expect(html).toContain('new: the history knows no flaky run of it')
  })

  test('without a history read, no report mentions it', () => {
    const view = buildView(report(tests()))
    const terminal = terminalSummary({ view, reportDir: '/r', stdout: captureStream(false), env: {} })
    expect(terminal).not.toMatch(/known flaky|history knows/)
    expect(junitXml(tests(), '/r')).not.toContain('name="history"')
  })
})
