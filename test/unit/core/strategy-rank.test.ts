import { describe, expect, it } from 'vitest'
import {
  DEFAULT_HALF_LIFE_MS,
  decayWeight,
  describeTally,
  priorMean,
  rankStrategies,
  tallyAttempts,
  type StrategyAttempt,
} from '../../../src/core/strategy-rank.js'

const NOW = Date.parse('2026-11-30T00:00:00Z')
const DAY = 24 * 3_600_000
const order = (ranked: { strategy: string }[]) => ranked.map((r) => r.strategy)
const attempts = (strategy: string, ok: boolean[], at = NOW): StrategyAttempt[] =>
  ok.map((o) => ({ strategy: strategy, ok: o, at }))

describe('rankStrategies', () => {
  it('keeps the configured order when there is no history, and says so', () => {
    const ranked = rankStrategies(['a', 'b', 'c'], new Map())
    expect(order(ranked)).toEqual(['a', 'b', 'c'])
    expect(ranked.map((r) => r.reason)).toEqual(['no past attempts', 'no past attempts', 'no past attempts'])
    expect(ranked.map((r) => r.configuredIndex)).toEqual([0, 1, 2])
  })

  it('the prior: strictly decreasing with the configured place, always above one half', () => {
    for (let i = 0; i < 50; i++) {
      expect(priorMean(i)).toBeGreaterThan(priorMean(i + 1))
      expect(priorMean(i)).toBeGreaterThan(0.5)
    }
    expect(priorMean(0)).toBeCloseTo(0.9)
  })

  it('a first strategy that fails 9 times in 10 falls behind the second that works', () => {
    const history: StrategyAttempt[] = []
    const firsts: string[] = []
    for (let run = 0; run < 10; run++) {
      const ranked = rankStrategies(['pg_ctl', 'restart'], tallyAttempts(history, NOW))
      firsts.push(ranked[0]!.strategy)
      // Escalation: the first is tried; the second only when the first failed.
      for (const r of ranked) {
        const ok = r.strategy === 'restart' || run === 9
        history.push({ strategy: r.strategy, ok, at: NOW })
        if (ok) break
      }
    }
    expect(firsts[0]).toBe('pg_ctl')
    // After a few runs the second goes first and stays there.
    expect(firsts.slice(3)).toEqual(Array(7).fill('restart'))
  })

  it('one failure of a strategy that usually works does not demote it', () => {
    const tallies = tallyAttempts(
      [...attempts('a', [true, true, true, true, true, true, true, true, false]), ...attempts('b', [true])],
      NOW,
    )
    expect(order(rankStrategies(['a', 'b'], tallies))).toEqual(['a', 'b'])
  })

  it('an untried strategy outranks one that keeps failing (a new strategy still gets tried)', () => {
    const tallies = tallyAttempts(attempts('a', [false, false, false]), NOW)
    expect(order(rankStrategies(['a', 'b', 'c', 'd', 'e'], tallies))).toEqual(['b', 'c', 'd', 'e', 'a'])
  })

  it('demoted, never removed: every configured strategy is ranked, however badly it did', () => {
    const tallies = tallyAttempts(
      [...attempts('a', Array(100).fill(false)), ...attempts('b', Array(100).fill(false))],
      NOW,
    )
    const ranked = rankStrategies(['a', 'b', 'c'], tallies)
    expect(order(ranked)).toEqual(['c', 'a', 'b'])
    expect(ranked[1]!.reason).toBe('0% of 100 past attempts')
  })

  it('ties keep the configured order (equal records, equal priors cannot happen)', () => {
    const tallies = tallyAttempts([...attempts('a', [true, false]), ...attempts('b', [true, false])], NOW)
    expect(order(rankStrategies(['a', 'b'], tallies))).toEqual(['a', 'b'])
    expect(order(rankStrategies(['b', 'a'], tallies))).toEqual(['b', 'a'])
  })

  it('a strategy configured twice is ranked twice with one shared record', () => {
    const tallies = tallyAttempts(attempts('command:sh', [false]), NOW)
    const ranked = rankStrategies(['command:sh', 'custom', 'command:sh'], tallies)
    expect(order(ranked)).toEqual(['custom', 'command:sh', 'command:sh'])
    expect(ranked.map((r) => r.configuredIndex)).toEqual([1, 0, 2])
  })

  it('a stale history decays back to the configured order', () => {
    const failures = (at: number) => tallyAttempts(attempts('a', [false, false, false], at), NOW)
    expect(order(rankStrategies(['a', 'b'], failures(NOW - DAY)))).toEqual(['b', 'a'])
    expect(order(rankStrategies(['a', 'b'], failures(NOW - 60 * DAY)))).toEqual(['a', 'b'])
  })

  it('recent attempts outweigh old ones', () => {
    const tallies = tallyAttempts(
      [
        ...attempts('a', Array(10).fill(true), NOW - 30 * DAY),
        ...attempts('a', [false, false], NOW - DAY),
        ...attempts('b', [true, true], NOW - DAY),
      ],
      NOW,
    )
    const ranked = rankStrategies(['a', 'b'], tallies)
    expect(order(ranked)).toEqual(['b', 'a'])
    // The reason is the raw record a user can check, not the weighted one.
    expect(ranked[1]!.reason).toBe('83% of 12 past attempts')
  })
})

describe('decay and tallies', () => {
  it('halves per half-life; future times weigh 1; no half-life means no decay', () => {
    expect(decayWeight(0)).toBe(1)
    expect(decayWeight(DEFAULT_HALF_LIFE_MS)).toBeCloseTo(0.5)
    expect(decayWeight(2 * DEFAULT_HALF_LIFE_MS)).toBeCloseTo(0.25)
    expect(decayWeight(-DAY)).toBe(1)
    expect(decayWeight(1e12, 0)).toBe(1)
  })

  it('counts raw and weighted attempts per strategy', () => {
    const t = tallyAttempts(
      [
        { strategy: 'a', ok: true, at: NOW },
        { strategy: 'a', ok: false, at: NOW - DEFAULT_HALF_LIFE_MS },
      ],
      NOW,
    ).get('a')!
    expect(t.attempts).toBe(2)
    expect(t.successes).toBe(1)
    expect(t.weightedAttempts).toBeCloseTo(1.5)
    expect(t.weightedSuccesses).toBeCloseTo(1)
  })

  it('describes a record in words', () => {
    expect(describeTally({ attempts: 34, successes: 33, weightedAttempts: 1, weightedSuccesses: 1 })).toBe(
      '97% of 34 past attempts',
    )
    expect(describeTally({ attempts: 1, successes: 0, weightedAttempts: 1, weightedSuccesses: 0 })).toBe(
      '0% of 1 past attempt',
    )
  })
})
