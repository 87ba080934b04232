/**
 * What the history says of each test that failed or was flaky in this run (report.json
 * `tests[].history`, extension): `known-flaky` with its record, or `new` — nothing in the history
 * says it is flaky, so its failure is news (a bug until shown otherwise). The quarantine decides
 * from the same record.
 */
import type { KnownFlaky } from './quarantine.js'
import type { TestReport } from './report.js'

export type TestHistory = { status: 'new' } | ({ status: 'known-flaky' } & KnownFlaky)

/** Sets `history` on the failed and flaky tests; returns how many it annotated. */
export function annotateTestHistory(
  tests: readonly TestReport[],
  known: ReadonlyMap<string, KnownFlaky>,
  keyOf: (test: TestReport) => string,
): number {
  let count = 0
  for (const test of tests) {
    if (test.outcome !== 'failed' && test.outcome !== 'flaky') continue
    const record = known.get(keyOf(test))
    test.history = record ? { status: 'known-flaky', ...record } : { status: 'new' }
    count++
  }
  return count
}

/** `new to the history` / `known flaky: 4 of 20 runs (20%)`, for every report. */
export function testHistoryText(history: TestHistory): string {
  return history.status === 'new'
    ? 'new: the history knows no flaky run of it'
    : `known flaky: ${history.flakyRuns} of ${history.runs} runs (${Math.round(history.rate * 100)}%)`
}
