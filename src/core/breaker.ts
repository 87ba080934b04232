/**
 * A circuit breaker per service, as values: each function returns a new state. Time comes in as
 * numbers (ms since the epoch) so the caller owns the clock.
 *
 * It opens when a service keeps dying after being recovered (by default a 4th recovery needed
 * within 5 minutes of 3 others) or when a recovery failed with every strategy. Once open it stays
 * open for the rest of the run: dependants fail fast instead of waiting on a service that is gone.
 */
import { redactSecrets } from './redact.js'

export interface BreakerPolicy {
  /** Recoveries allowed within `windowMs`; needing one more opens the breaker. Default 3. */
  maxRecoveries: number
  /** Default 5 minutes. */
  windowMs: number
}

export const DEFAULT_BREAKER_POLICY: Readonly<BreakerPolicy> = { maxRecoveries: 3, windowMs: 5 * 60_000 }

/** Evidence is a log tail or an error: keep the end, where the reason usually is. */
const EVIDENCE_LIMIT = 600

export interface BreakerState {
  readonly service: string
  readonly policy: BreakerPolicy
  /** Times of successful recoveries still inside the window (oldest first). */
  readonly recoveries: readonly number[]
  readonly open: boolean
  /** Why it opened, naming the count and the last evidence; null while closed. */
  readonly reason: string | null
  readonly openedAt: number | null
  readonly lastEvidence: string | null
}

export function createBreaker(service: string, policy: BreakerPolicy = DEFAULT_BREAKER_POLICY): BreakerState {
  return { service, policy, recoveries: [], open: false, reason: null, openedAt: null, lastEvidence: null }
}

function shorten(evidence: string | undefined): string | null {
  if (evidence === undefined) return null
  const text = redactSecrets(evidence.trim())
  if (text === '') return null
  return text.length > EVIDENCE_LIMIT ? `…${text.slice(-EVIDENCE_LIMIT + 1)}` : text
}

function withEvidence(reason: string, evidence: string | null): string {
  return evidence ? `${reason}; last evidence: ${evidence}` : reason
}

function recentRecoveries(state: BreakerState, at: number): number[] {
  return state.recoveries.filter((t) => at - t < state.policy.windowMs)
}

/** Opens the breaker for a reason of the caller's (e.g. the service could not be reached at all). */
export function openBreaker(
  state: BreakerState,
  at: number,
  reason: string,
  evidence?: string,
): BreakerState {
  if (state.open) return state
  const lastEvidence = shorten(evidence) ?? state.lastEvidence
  return { ...state, open: true, openedAt: at, lastEvidence, reason: withEvidence(reason, lastEvidence) }
}

/**
 * Asked when the service needs another recovery: opens the breaker when the recent ones already
 * reached the policy's count. The caller recovers only if the returned state is still closed.
 */
export function admitRecovery(state: BreakerState, at: number, evidence?: string): BreakerState {
  if (state.open) return state
  const recent = recentRecoveries(state, at)
  if (recent.length < state.policy.maxRecoveries) return { ...state, recoveries: recent }
  const minutes = Math.round(state.policy.windowMs / 6_000) / 10
  return openBreaker(
    { ...state, recoveries: recent },
    at,
    `${state.service} needed a recovery again after ${recent.length} recoveries within ${minutes} min`,
    evidence,
  )
}

/** Records a finished recovery; one that failed with every strategy opens the breaker. */
export function recordRecovery(
  state: BreakerState,
  result: { at: number; ok: boolean; evidence?: string },
): BreakerState {
  if (state.open) return state
  if (!result.ok) {
    const count = state.recoveries.length + 1
    return openBreaker(
      state,
      result.at,
      `${state.service}: recovery failed (attempt ${count}, every strategy)`,
      result.evidence,
    )
  }
  return {
    ...state,
    recoveries: [...recentRecoveries(state, result.at), result.at],
    lastEvidence: shorten(result.evidence) ?? state.lastEvidence,
  }
}
