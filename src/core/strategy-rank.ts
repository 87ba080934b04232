/**
 * The order recovery strategies are tried in, learned from their past attempts: each strategy's
 * smoothed success rate is the mean of a Beta posterior whose prior is the configured order, so
 * with no history the configured order holds, a strategy never tried still gets its chance ahead of
 * one that keeps failing, and a few attempts are enough to move it. Old attempts weigh less (a
 * half-life), so a history that went stale gives way to the prior again. Nothing is ever dropped:
 * a demoted strategy is still tried when the ones above it fail.
 */

/** One past attempt of a strategy. */
export interface StrategyAttempt {
  strategy: string
  ok: boolean
  /** Epoch ms. */
  at: number
}

/** A strategy's record: raw counts (what a user is told) and decay-weighted ones (what ranks it). */
export interface StrategyTally {
  attempts: number
  successes: number
  weightedAttempts: number
  weightedSuccesses: number
}

export interface RankedStrategy {
  strategy: string
  /** Its place in the configured order (0 first). */
  configuredIndex: number
  /** The posterior mean the order comes from. */
  score: number
  tally: StrategyTally
  /** `97% of 34 past attempts`, or `no past attempts` */
  reason: string
}

export interface RankOptions {
  /** Pseudo-attempts the configured order is worth. Default 2: one real failure already counts. */
  priorWeight?: number
}

/** A week: CI runs many times a day, and a fix a month ago should not still steer today's recoveries. */
export const DEFAULT_HALF_LIFE_MS = 7 * 24 * 3_600_000
export const DEFAULT_PRIOR_WEIGHT = 2

export const EMPTY_TALLY: StrategyTally = Object.freeze({
  attempts: 0,
  successes: 0,
  weightedAttempts: 0,
  weightedSuccesses: 0,
})

/**
 * The configured order as prior means: strictly decreasing (ties would lose the order) and all above
 * one half, so an untried strategy always outranks one whose every attempt failed.
 */
export function priorMean(index: number): number {
  return 0.5 + 0.4 / (index + 1)
}

/** The weight of an attempt `ageMs` old: one half per half-life; a future time (a clock skew) weighs 1. */
export function decayWeight(ageMs: number, halfLifeMs = DEFAULT_HALF_LIFE_MS): number {
  if (!(halfLifeMs > 0)) return 1
  return Math.pow(0.5, Math.max(0, ageMs) / halfLifeMs)
}

/** Per strategy, the attempts' raw and weighted counts as of `now`. */
export function tallyAttempts(
  attempts: Iterable<StrategyAttempt>,
  now: number,
  halfLifeMs = DEFAULT_HALF_LIFE_MS,
): Map<string, StrategyTally> {
  const tallies = new Map<string, StrategyTally>()
  for (const attempt of attempts) {
    const w = decayWeight(now - attempt.at, halfLifeMs)
    addTally(tallies, attempt.strategy, {
      attempts: 1,
      successes: attempt.ok ? 1 : 0,
      weightedAttempts: w,
      weightedSuccesses: attempt.ok ? w : 0,
    })
  }
  return tallies
}

/** Adds `tally` to the strategy's entry (tallies from several sources add up). */
export function addTally(tallies: Map<string, StrategyTally>, strategy: string, tally: StrategyTally): void {
  const before = tallies.get(strategy) ?? EMPTY_TALLY
  tallies.set(strategy, {
    attempts: before.attempts + tally.attempts,
    successes: before.successes + tally.successes,
    weightedAttempts: before.weightedAttempts + tally.weightedAttempts,
    weightedSuccesses: before.weightedSuccesses + tally.weightedSuccesses,
  })
}

/**
 * Every configured strategy, best first. Ties keep the configured order. A strategy configured twice
 * (two commands with the same program name share an id) appears twice, sharing one record.
 */
export function rankStrategies(
  configured: readonly string[],
  tallies: ReadonlyMap<string, StrategyTally>,
  options: RankOptions = {},
): RankedStrategy[] {
  const priorWeight = options.priorWeight ?? DEFAULT_PRIOR_WEIGHT
  const ranked = configured.map((strategy, configuredIndex) => {
    const tally = tallies.get(strategy) ?? EMPTY_TALLY
    const prior = priorMean(configuredIndex)
    const score = (priorWeight * prior + tally.weightedSuccesses) / (priorWeight + tally.weightedAttempts)
    return { strategy, configuredIndex, score, tally, reason: describeTally(tally) }
  })
  // Scores computed from sums differ in the last bits for equal records: compare with a tolerance.
  return ranked.sort((a, b) =>
    Math.abs(a.score - b.score) > 1e-9 ? b.score - a.score : a.configuredIndex - b.configuredIndex,
  )
}

/** `97% of 34 past attempts`: the raw record, the one a user can check in `vitest-heal stats`. */
export function describeTally(tally: StrategyTally): string {
  if (tally.attempts === 0) return 'no past attempts'
  const pct = Math.round((100 * tally.successes) / tally.attempts)
  return `${pct}% of ${tally.attempts} past attempt${tally.attempts === 1 ? '' : 's'}`
}
