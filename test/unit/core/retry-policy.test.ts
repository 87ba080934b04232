import { describe, expect, it } from 'vitest'
import { decideRetry, resolveFlakyBudget } from '../../../src/core/retry-policy.js'
import type { VerdictKind } from '../../../src/core/types.js'

const budget = { infra: 2, flaky: 2 }

describe('decideRetry', () => {
  it.each<
    [
      string,
      VerdictKind,
      { infra: number; flaky: number },
      Parameters<typeof decideRetry>[3],
      boolean,
      'infra' | 'flaky' | null,
    ]
  >([
    ['test bug: never', 'test-bug', { infra: 0, flaky: 0 }, {}, false, null],
    ['infra with budget left: retry on the infra budget', 'infra', { infra: 0, flaky: 2 }, {}, true, 'infra'],
    ['infra, second retry', 'infra', { infra: 1, flaky: 0 }, {}, true, 'infra'],
    ['infra budget used', 'infra', { infra: 2, flaky: 0 }, {}, false, null],
    ['infra with the breaker open', 'infra', { infra: 0, flaky: 0 }, { breakerOpen: true }, false, null],
    ['flaky with budget left: retry on the flaky budget', 'flaky', { infra: 2, flaky: 1 }, {}, true, 'flaky'],
    ['flaky budget used', 'flaky', { infra: 0, flaky: 2 }, {}, false, null],
    ['flaky ignores the breaker', 'flaky', { infra: 0, flaky: 0 }, { breakerOpen: true }, true, 'flaky'],
    ['heal:off stops infra', 'infra', { infra: 0, flaky: 0 }, { healOff: true }, false, null],
    ['heal:off stops flaky', 'flaky', { infra: 0, flaky: 0 }, { healOff: true }, false, null],
  ])('%s', (_name, kind, used, opts, retry, spends) => {
    const decision = decideRetry({ kind, service: 'db' }, used, budget, opts)
    expect(decision.retry).toBe(retry)
    expect(decision.budget).toBe(spends)
    expect(decision.reason).toMatch(
      opts?.healOff ? /heal:off/ : kind === 'test-bug' ? /test bug/ : new RegExp(`^${kind}`),
    )
  })

  it('keeps the two budgets apart: infra retries never spend the flaky budget', () => {
    const used = { infra: 0, flaky: 0 }
    const kinds: VerdictKind[] = ['infra', 'flaky', 'infra', 'flaky', 'infra', 'flaky']
    const retried = kinds.map((kind) => {
      const d = decideRetry({ kind, service: 'db' }, used, budget)
      if (d.budget === 'infra' || d.budget === 'flaky') used[d.budget]++
      return d.retry
    })
    expect(retried).toEqual([true, true, true, true, false, false])
    expect(used).toEqual({ infra: 2, flaky: 2 })
  })

  it('with a zero budget never retries', () => {
    expect(decideRetry({ kind: 'flaky' }, { infra: 0, flaky: 0 }, { infra: 0, flaky: 0 }).retry).toBe(false)
    expect(
      decideRetry({ kind: 'infra', service: 'db' }, { infra: 0, flaky: 0 }, { infra: 0, flaky: 0 }).retry,
    ).toBe(false)
  })

  it('retries infra blamed on no declared service on the flaky budget: nothing says an outage caused it', () => {
    const unblamed = { kind: 'infra' as const }
    expect(decideRetry(unblamed, { infra: 0, flaky: 0 }, budget)).toMatchObject({
      retry: true,
      budget: 'flaky',
    })
    expect(decideRetry(unblamed, { infra: 0, flaky: 2 }, budget)).toMatchObject({
      retry: false,
      budget: null,
    })
    expect(decideRetry(unblamed, { infra: 0, flaky: 0 }, budget, { breakerOpen: true }).retry).toBe(false)
  })

  it('gives a test bug one re-run only when it overlapped an observed outage', () => {
    expect(
      decideRetry({ kind: 'test-bug' }, { infra: 0, flaky: 0 }, budget, { outageOverlap: true }),
    ).toMatchObject({
      retry: true,
      budget: 'outage',
    })
    // Outside an outage an assertion is never retried, whatever budget is left.
    expect(
      decideRetry({ kind: 'test-bug' }, { infra: 0, flaky: 0 }, budget, { outageOverlap: false }).retry,
    ).toBe(false)
    expect(
      decideRetry({ kind: 'test-bug' }, { infra: 0, flaky: 0 }, budget, {
        outageOverlap: true,
        healOff: true,
      }).retry,
    ).toBe(false)
  })
})

describe('resolveFlakyBudget', () => {
  it.each<[unknown, boolean, ReturnType<typeof resolveFlakyBudget>]>([
    [undefined, false, { ok: true, value: 2 }],
    [0, false, { ok: true, value: 0 }],
    [2, false, { ok: true, value: 2 }],
    [3, true, { ok: true, value: 3 }],
  ])('%s (raised: %s) → %o', (requested, raised, expected) => {
    expect(resolveFlakyBudget(requested, raised)).toEqual(expected)
  })

  it('refuses more than 2 unless raised explicitly, saying how', () => {
    const result = resolveFlakyBudget(5)
    expect(result).toMatchObject({ ok: false, got: 5 })
    expect(!result.ok && result.expected).toMatch(/at most 2 .*raise/)
  })

  it.each([-1, 1.5, '2', null, Number.NaN])('refuses %s', (bad) => {
    expect(resolveFlakyBudget(bad, true)).toEqual({ ok: false, expected: 'a whole number ≥ 0', got: bad })
  })
})
