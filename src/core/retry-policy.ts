/**
 * Whether a failed try is retried, decided apart from doing it (p-retry's shouldRetry vs
 * onFailedAttempt): the runner asks, then heals, waits or gives up on its own.
 */
import type { VerdictKind } from './types.js'

export interface RetryBudget {
  infra: number
  flaky: number
}

export interface RetryDecision {
  retry: boolean
  /**
   * The budget a retry spends; null when there is no retry. `outage`: the one chance of a test-bug
   * try that overlapped an observed outage of a service the test needs (rule `outage-overlap`).
   */
  budget: 'infra' | 'flaky' | 'outage' | null
  reason: string
}

export interface RetryContext {
  /** The blamed service's breaker is open: recovering again is not allowed, so retrying is pointless. */
  breakerOpen?: boolean
  /** The test is tagged `heal:off`. */
  healOff?: boolean
  /**
   * A test-bug (or flaky-class: a timeout) try overlapped an observed outage of a service the test
   * needs, and the test has not had its one chance yet: it is re-run once after the recovery. Never
   * set outside an outage.
   */
  outageOverlap?: boolean
}

export const DEFAULT_RETRY_BUDGET: Readonly<RetryBudget> = { infra: 2, flaky: 2 }
/** Past two retries a flaky test hides a real problem more often than it saves a run. */
export const MAX_FLAKY_RETRIES = 2

function noRetry(reason: string): RetryDecision {
  return { retry: false, budget: null, reason }
}

export function decideRetry(
  verdict: { kind: VerdictKind; service?: string | undefined },
  used: RetryBudget,
  budget: RetryBudget,
  opts: RetryContext = {},
): RetryDecision {
  if (opts.healOff) return noRetry('heal:off: the test opted out of healing')
  switch (verdict.kind) {
    case 'test-bug':
      if (opts.outageOverlap)
        return {
          retry: true,
          budget: 'outage',
          reason: 'test bug during an outage of a needed service: one re-run after recovery',
        }
      return noRetry('test bug: a retry would only repeat it')
    case 'infra':
      if (opts.breakerOpen) return noRetry('infra: the service is declared broken (circuit open)')
      // No declared service to recover: nothing says an outage caused it, so it is as flaky as a timeout
      // (the runner still asks the coordinator to check every service; one found down takes the blame).
      if (verdict.service === undefined) {
        if (used.flaky >= budget.flaky)
          return noRetry(
            `infra blamed on no declared service: flaky retry budget used (${used.flaky}/${budget.flaky})`,
          )
        return {
          retry: true,
          budget: 'flaky',
          reason: `infra blamed on no declared service: flaky retry ${used.flaky + 1}/${budget.flaky}`,
        }
      }
      if (used.infra >= budget.infra)
        return noRetry(`infra: retry budget used (${used.infra}/${budget.infra})`)
      return {
        retry: true,
        budget: 'infra',
        reason: `infra: retry ${used.infra + 1}/${budget.infra} after recovery`,
      }
    case 'flaky':
      // A timeout while a needed service was down is the outage's (a waiter on a dead connection),
      // not the test's: re-run once after the recovery, so a pass is healed, not flaky.
      if (opts.outageOverlap)
        return {
          retry: true,
          budget: 'outage',
          reason: 'flaky-class failure during an outage of a needed service: one re-run after recovery',
        }
      if (used.flaky >= budget.flaky)
        return noRetry(`flaky: retry budget used (${used.flaky}/${budget.flaky})`)
      return { retry: true, budget: 'flaky', reason: `flaky: retry ${used.flaky + 1}/${budget.flaky}` }
  }
}

export type FlakyBudgetResult = { ok: true; value: number } | { ok: false; expected: string; got: unknown }

/**
 * The flaky budget from the `flakyRetries` option. Core cannot throw our config error (it may not
 * import outside src/core), so a bad value comes back described and the config layer throws
 * `new HealConfigError('flakyRetries', result.expected, result.got)`.
 */
export function resolveFlakyBudget(requested: unknown, allowMoreThanTwo = false): FlakyBudgetResult {
  if (requested === undefined) return { ok: true, value: DEFAULT_RETRY_BUDGET.flaky }
  if (typeof requested !== 'number' || !Number.isInteger(requested) || requested < 0) {
    return { ok: false, expected: 'a whole number ≥ 0', got: requested }
  }
  if (requested > MAX_FLAKY_RETRIES && !allowMoreThanTwo) {
    return {
      ok: false,
      expected: `at most ${MAX_FLAKY_RETRIES} (set allowMoreFlakyRetries: true to raise it)`,
      got: requested,
    }
  }
  return { ok: true, value: requested }
}
