/**
 * What the mutation testing of breaker.ts (issue 11) found unpinned: the exact reason a breaker
 * gives (users read it when their dependants fail fast), the window's edge, and how evidence is
 * trimmed, emptied and shortened.
 */
import { describe, expect, test } from 'vitest'
import {
  admitRecovery,
  createBreaker,
  DEFAULT_BREAKER_POLICY,
  openBreaker,
  recordRecovery,
  type BreakerState,
} from '../../../src/core/breaker.js'

function recovered(state: BreakerState, ...times: number[]): BreakerState {
  return times.reduce((s, at) => recordRecovery(admitRecovery(s, at), { at, ok: true }), state)
}

describe('the reason, word for word', () => {
  test('too many recoveries: the count, the window in minutes and the last evidence', () => {
    const b = admitRecovery(recovered(createBreaker('db'), 0, 1, 2), 3, '  FATAL: could not bind  ')
    expect(b).toEqual({
      service: 'db',
      policy: DEFAULT_BREAKER_POLICY,
      recoveries: [0, 1, 2],
      open: true,
      openedAt: 3,
      lastEvidence: 'FATAL: could not bind',
      reason:
        'db needed a recovery again after 3 recoveries within 5 min; last evidence: FATAL: could not bind',
    })
  })

  test('a window that is not whole minutes is given to a tenth of a minute', () => {
    const b = admitRecovery(recovered(createBreaker('app', { maxRecoveries: 2, windowMs: 90_000 }), 0, 1), 2)
    expect(b.reason).toBe('app needed a recovery again after 2 recoveries within 1.5 min')
    const c = admitRecovery(recovered(createBreaker('app', { maxRecoveries: 1, windowMs: 100_000 }), 0), 1)
    expect(c.reason).toBe('app needed a recovery again after 1 recoveries within 1.7 min')
  })

  test('a failed recovery counts the attempts so far, with no evidence part when there is none', () => {
    const b = recordRecovery(recovered(createBreaker('app'), 0, 1), { at: 7, ok: false })
    expect(b).toMatchObject({ open: true, openedAt: 7, lastEvidence: null })
    expect(b.reason).toBe('app: recovery failed (attempt 3, every strategy)')
  })

  test('openBreaker keeps the caller’s reason and falls back to earlier evidence', () => {
    const earlier = recordRecovery(createBreaker('db'), { at: 0, ok: true, evidence: 'restarted' })
    expect(earlier.lastEvidence).toBe('restarted')
    expect(openBreaker(earlier, 5, 'db unreachable').reason).toBe('db unreachable; last evidence: restarted')
    expect(openBreaker(earlier, 5, 'db unreachable', 'refused').reason).toBe(
      'db unreachable; last evidence: refused',
    )
  })
})

describe('evidence', () => {
  test('blank evidence is none: the earlier evidence stays', () => {
    const earlier = recordRecovery(createBreaker('db'), { at: 0, ok: true, evidence: 'first' })
    expect(recordRecovery(earlier, { at: 1, ok: true, evidence: ' \n ' }).lastEvidence).toBe('first')
    expect(recordRecovery(createBreaker('db'), { at: 1, ok: true, evidence: '' }).lastEvidence).toBeNull()
  })

  test('600 characters are kept whole; longer keeps the last 599 after an ellipsis', () => {
    const exact = 'a'.repeat(599) + 'z'
    expect(openBreaker(createBreaker('db'), 0, 'r', exact).lastEvidence).toBe(exact)
    const longer = 'b' + exact
    expect(openBreaker(createBreaker('db'), 0, 'r', longer).lastEvidence).toBe(`…${'a'.repeat(598)}z`)
  })
})

describe('the window', () => {
  test('a recovery exactly windowMs ago has left it; one a millisecond younger has not', () => {
    const policy = { maxRecoveries: 1, windowMs: 1_000 }
    const b = recovered(createBreaker('db', policy), 0)
    expect(admitRecovery(b, 1_000)).toMatchObject({ open: false, recoveries: [] })
    expect(admitRecovery(b, 999)).toMatchObject({ open: true, recoveries: [0] })
  })

  test('a successful recovery drops those that left the window and appends itself', () => {
    const b = recovered(createBreaker('db', { maxRecoveries: 5, windowMs: 1_000 }), 0, 500)
    expect(recordRecovery(b, { at: 1_200, ok: true }).recoveries).toEqual([500, 1_200])
  })

  test('admitting below the count keeps the state closed and only prunes', () => {
    const b = recovered(createBreaker('db', { maxRecoveries: 2, windowMs: 1_000 }), 0)
    expect(admitRecovery(b, 100)).toEqual({ ...b, recoveries: [0] })
  })
})
