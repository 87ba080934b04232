/**
 * Quarantine (option `quarantine`, off by default): a failure of a test the history knows as flaky
 * — it failed and then passed with nothing found down, in enough runs — is reported and marked,
 * and does not fail the run. It never reaches a test without that history, whatever its verdict:
 * a new failure is a bug until the history says otherwise. `failOnFlaky` wins: a run that asks for
 * flaky tests to fail it quarantines nothing.
 */
import { runOutcome } from './outcome.js'
import type { RunReport, TestReport } from './report.js'

export interface QuarantinePolicy {
  /** Lowest flaky rate (flaky runs / runs since its first failure) that quarantines a test. */
  minRate: number
  /** Fewest runs it must have been flaky in: one flaky run is a coincidence, not knowledge. */
  minFlakyRuns: number
}

export interface KnownFlaky {
  flakyRuns: number
  runs: number
  rate: number
}

/**
 * Marks the failed tests the policy quarantines (`quarantined`, extension) and recomputes the run's
 * outcome without them. The summary still counts them as failed: they did fail.
 */
export function applyQuarantine(
  report: RunReport,
  known: ReadonlyMap<string, KnownFlaky>,
  policy: QuarantinePolicy,
  options: { failOnFlaky: boolean; keyOf: (test: TestReport) => string },
): number {
  if (options.failOnFlaky) return 0
  let count = 0
  for (const test of report.tests) {
    if (test.outcome !== 'failed') continue
    const record = known.get(options.keyOf(test))
    if (!record || record.rate < policy.minRate || record.flakyRuns < policy.minFlakyRuns) continue
    test.quarantined = { rate: record.rate, flakyRuns: record.flakyRuns, runs: record.runs }
    count++
  }
  if (count === 0) return 0
  report.summary.quarantined = count
  // The other reasons a run fails stay: an error outside a test that no healed outage explains.
  const unforgivenErrors = (report.errors ?? []).filter((error) => !error.forgiven).length
  report.outcome = runOutcome(report.summary, { failOnFlaky: false, unforgivenErrors })
  return count
}
