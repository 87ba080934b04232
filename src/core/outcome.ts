/**
 * The final outcome of a test, computed in one place from its tries (cf. Playwright's
 * computeTestCaseOutcome): every reporter reads this instead of deciding on its own.
 */
import type { FailureCause, ReportSummary, TestOutcome, TestReport, TryRecord } from './report.js'
import type { Verdict } from './types.js'

export interface ComputedOutcome {
  outcome: TestOutcome
  /** `infra` for healed tests too (the failure they recovered from); null when nothing failed. */
  cause: FailureCause | null
  service: string | null
  rule: string | null
  attempts: number
}

/**
 * Only the confirmed verdict counts: a hypothesis the health probe did not confirm (the service
 * was healthy) must not turn a test's own failure into "infra".
 */
function confirmedInfra(attempt: TryRecord): Verdict | undefined {
  return attempt.verdict?.kind === 'infra' ? attempt.verdict : undefined
}

/**
 * A test without tries is `skipped` whatever skipped it (`.skip`, a failed `beforeAll`, a run cut
 * short), so no `skipped` flag is needed: the tries alone decide.
 *
 * A pass after failed tries is `healed` only when one of them carries a `recovery` (its service was
 * found down and recovered, docs/classification.md); any other pass on a retry is `flaky`, whatever
 * rule the failure matched.
 */
export function computeOutcome(tries: readonly TryRecord[]): ComputedOutcome {
  const attempts = tries.length
  const last = tries[attempts - 1]
  if (!last) return { outcome: 'skipped', cause: null, service: null, rule: null, attempts: 0 }

  if (last.state === 'failed') {
    const infra = confirmedInfra(last)
    if (infra)
      return { outcome: 'failed', cause: 'infra', service: infra.service ?? null, rule: infra.rule, attempts }
    // A flaky-class failure that used its whole budget is the test's own problem.
    return { outcome: 'failed', cause: 'test-bug', service: null, rule: last.verdict?.rule ?? null, attempts }
  }

  const earlier = tries.slice(0, -1).filter((t) => t.state === 'failed')
  // `healed` needs evidence of an outage: a try whose blamed service was found down and came back.
  // A verdict alone (even a confirmed infra one) is only what the error looked like.
  const recovered = earlier.find((t) => t.recovery !== undefined)
  if (recovered?.recovery) {
    return {
      outcome: 'healed',
      cause: 'infra',
      service: recovered.recovery.service,
      rule: recovered.verdict?.rule ?? null,
      attempts,
    }
  }
  if (earlier.length > 0) {
    return { outcome: 'flaky', cause: null, service: null, rule: earlier[0]?.verdict?.rule ?? null, attempts }
  }
  return { outcome: 'passed', cause: null, service: null, rule: null, attempts }
}

export function summarize(tests: readonly Pick<TestReport, 'outcome' | 'cause'>[]): ReportSummary {
  const summary: ReportSummary = {
    total: 0,
    passed: 0,
    healed: 0,
    flaky: 0,
    failed: 0,
    testBug: 0,
    infra: 0,
    skipped: 0,
  }
  for (const test of tests) {
    summary.total++
    summary[test.outcome]++
    if (test.outcome !== 'failed') continue
    if (test.cause === 'infra') summary.infra++
    else summary.testBug++
  }
  return summary
}

export interface RunOutcomeOptions {
  /** Treat tests that passed only on a retry as a failure of the run. */
  failOnFlaky?: boolean
  /** Errors outside any test that no healed outage explains. */
  unforgivenErrors?: number
}

export function runOutcome(summary: ReportSummary, opts: RunOutcomeOptions = {}): 'passed' | 'failed' {
  if (summary.failed - (summary.quarantined ?? 0) > 0) return 'failed'
  if ((opts.unforgivenErrors ?? 0) > 0) return 'failed'
  if (opts.failOnFlaky && summary.flaky > 0) return 'failed'
  return 'passed'
}
