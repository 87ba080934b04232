/**
 * What the mutation testing of retry-policy.ts (issue 11) found unpinned: the exact reason of each
 * decision (it is what a report says about a retry), counts included.
 */
import { describe, expect, test } from 'vitest'
import { decideRetry } from '../../../src/core/retry-policy.js'

const budget = { infra: 2, flaky: 2 }

describe('each decision and its reason, word for word', () => {
  test.each([
    [
      { kind: 'test-bug' as const },
      { infra: 0, flaky: 0 },
      { outageOverlap: true },
      true,
      'outage',
      'test bug during an outage of a needed service: one re-run after recovery',
    ],
    [
      { kind: 'infra' as const },
      { infra: 0, flaky: 1 },
      {},
      true,
      'flaky',
      'infra blamed on no declared service: flaky retry 2/2',
    ],
    [
      { kind: 'infra' as const },
      { infra: 0, flaky: 2 },
      {},
      false,
      null,
      'infra blamed on no declared service: flaky retry budget used (2/2)',
    ],
    [
      { kind: 'infra' as const, service: 'db' },
      { infra: 1, flaky: 0 },
      {},
      true,
      'infra',
      'infra: retry 2/2 after recovery',
    ],
    [{ kind: 'flaky' as const }, { infra: 0, flaky: 1 }, {}, true, 'flaky', 'flaky: retry 2/2'],
  ])('%j with %j used and %j', (verdict, used, opts, retry, spends, reason) => {
    expect(decideRetry(verdict, used, budget, opts)).toEqual({ retry, budget: spends, reason })
  })
})
