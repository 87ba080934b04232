import { describe, expect, it } from 'vitest'
import {
  admitRecovery,
  createBreaker,
  openBreaker,
  recordRecovery,
  type BreakerState,
} from '../../../src/core/breaker.js'

const MIN = 60_000

/** One outage: ask to recover at `at`, and if allowed, record the result. */
function outage(state: BreakerState, at: number, ok = true, evidence?: string): BreakerState {
  const admitted = admitRecovery(state, at, evidence)
  if (admitted.open) return admitted
  return recordRecovery(admitted, { at: at + 300, ok, evidence })
}

describe('breaker', () => {
  it('starts closed', () => {
    const b = createBreaker('db')
    expect(b).toMatchObject({ service: 'db', open: false, reason: null, recoveries: [] })
  })

  it('allows 3 recoveries within 5 minutes and opens when a 4th is needed', () => {
    let b = createBreaker('db')
    for (const at of [0, 1 * MIN, 2 * MIN]) {
      b = outage(b, at)
      expect(b.open).toBe(false)
    }
    b = admitRecovery(b, 3 * MIN, 'LOG:  database system is shut down\nFATAL: could not bind')
    expect(b.open).toBe(true)
    expect(b.openedAt).toBe(3 * MIN)
    expect(b.reason).toContain('db')
    expect(b.reason).toContain('3 recoveries within 5 min')
    expect(b.reason).toContain('FATAL: could not bind')
  })

  it('forgets recoveries older than the window', () => {
    let b = createBreaker('db')
    for (const at of [0, 1 * MIN, 2 * MIN]) b = outage(b, at)
    // The first recovery finished at 0.3 s: by 5 min 1 s it has left the window.
    b = admitRecovery(b, 5 * MIN + 1_000)
    expect(b.open).toBe(false)
    expect(b.recoveries).toHaveLength(2)
  })

  it('opens at once when a recovery failed with every strategy, keeping the evidence', () => {
    const b = outage(createBreaker('app'), 0, false, 'Error: listen EADDRINUSE 127.0.0.1:3000')
    expect(b.open).toBe(true)
    expect(b.reason).toMatch(/app: recovery failed \(attempt 1, every strategy\)/)
    expect(b.reason).toContain('EADDRINUSE')
  })

  it('stays open: later recoveries and admissions change nothing', () => {
    const open = outage(createBreaker('db'), 0, false, 'boom')
    expect(recordRecovery(open, { at: 10, ok: true })).toBe(open)
    expect(admitRecovery(open, 20)).toBe(open)
    expect(openBreaker(open, 30, 'again')).toBe(open)
  })

  it('follows the policy it was given', () => {
    let b = createBreaker('db', { maxRecoveries: 1, windowMs: 1_000 })
    b = outage(b, 0)
    expect(admitRecovery(b, 500).open).toBe(true)
    expect(admitRecovery(b, 2_000).open).toBe(false)
  })

  it('redacts secrets and keeps only the end of long evidence', () => {
    const tail = `${'x'.repeat(2_000)}\nconnect to postgres://app:hunter2@127.0.0.1:5432/db failed`
    const b = openBreaker(createBreaker('db'), 0, 'db unreachable', tail)
    expect(b.reason).not.toContain('hunter2')
    expect(b.reason).toContain('postgres://app:***@127.0.0.1:5432/db failed')
    expect(b.lastEvidence!.length).toBeLessThanOrEqual(600)
  })

  it('falls back to the evidence of an earlier recovery when the last gave none', () => {
    let b = outage(createBreaker('db'), 0, true, 'restarted after SIGKILL')
    b = outage(b, 1 * MIN)
    b = outage(b, 2 * MIN)
    b = admitRecovery(b, 3 * MIN)
    expect(b.reason).toContain('restarted after SIGKILL')
  })

  it('does not mutate the state it was given', () => {
    const start = createBreaker('db')
    const snapshot = structuredClone(start)
    outage(start, 0)
    outage(start, 1, false, 'x')
    expect(start).toEqual(snapshot)
  })
})
