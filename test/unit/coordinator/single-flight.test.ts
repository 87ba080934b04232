import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { createSingleFlight } from '../../../src/coordinator/single-flight.js'

/** A recovery that takes real time and counts how often it ran. */
function countingRecovery(ms: number) {
  let runs = 0
  return {
    get runs() {
      return runs
    },
    recover: async () => {
      runs++
      const run = runs
      await sleep(ms)
      return { healthy: true, run }
    },
  }
}

describe('single flight', () => {
  it('runs one recovery for 300 concurrent requests and gives every requester its result', async () => {
    const flight = createSingleFlight<{ healthy: boolean; run: number }>()
    const db = countingRecovery(40)
    const failedAt = Date.now()
    const answers = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        // Requests spread over the first 30 ms of the recovery, as workers would send them.
        await sleep(i % 30)
        return flight.request('db', { failedAt }, db.recover)
      }),
    )
    expect(db.runs).toBe(1)
    expect(new Set(answers.map((a) => a.recoveryId)).size).toBe(1)
    expect(answers.every((a) => a.value.healthy && a.value.run === 1)).toBe(true)
    expect(answers.filter((a) => a.role === 'started')).toHaveLength(1)
    expect(answers.filter((a) => a.role === 'joined')).toHaveLength(299)
    expect(Math.max(...answers.map((a) => a.requests))).toBe(300)
    expect(flight.last('db')).toMatchObject({ requests: 300 })
  })

  it('reuses a finished recovery for a failure that happened before it finished', async () => {
    let clock = 1_000
    const flight = createSingleFlight<{ healthy: boolean; run: number }>(() => clock)
    const db = countingRecovery(5)
    const first = await flight.request('db', { failedAt: 1_000 }, db.recover)
    clock = 2_000
    // A worker reports late a failure it saw at 999: the same outage.
    const late = await flight.request('db', { failedAt: 999 }, db.recover)
    expect(late).toMatchObject({ role: 'reused', recoveryId: first.recoveryId, requests: 2 })
    expect(db.runs).toBe(1)
  })

  it('starts a new recovery for a failure after the last one finished', async () => {
    let clock = 1_000
    const flight = createSingleFlight<{ healthy: boolean; run: number }>(() => clock)
    const db = countingRecovery(5)
    const first = await flight.request('db', { failedAt: 900 }, db.recover)
    expect(flight.last('db')?.finishedAt).toBe(1_000)
    clock = 5_000
    const second = await flight.request('db', { failedAt: 4_000 }, db.recover)
    expect(second.role).toBe('started')
    expect(second.recoveryId).not.toBe(first.recoveryId)
    expect(second.value.run).toBe(2)
    expect(db.runs).toBe(2)
  })

  it('keeps services apart: concurrent outages of two services recover both, once each', async () => {
    const flight = createSingleFlight<{ healthy: boolean; run: number }>()
    const db = countingRecovery(20)
    const app = countingRecovery(20)
    const failedAt = Date.now()
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        i % 2
          ? flight.request('db', { failedAt }, db.recover)
          : flight.request('app', { failedAt }, app.recover),
      ),
    )
    expect([db.runs, app.runs]).toEqual([1, 1])
  })

  it('hands a failed recovery to every requester, and a late reporter of that outage reuses it', async () => {
    const flight = createSingleFlight<never>()
    let runs = 0
    const failing = async (): Promise<never> => {
      runs++
      await sleep(10)
      throw new Error('pg_ctl exited with 1')
    }
    const failedAt = Date.now()
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => flight.request('db', { failedAt }, failing)),
    )
    expect(results.every((r) => r.status === 'rejected' && /pg_ctl/.test(String(r.reason)))).toBe(true)
    await expect(flight.request('db', { failedAt }, failing)).rejects.toThrow('pg_ctl')
    expect(runs).toBe(1)
  })

  it('tells whether a recovery is in flight', async () => {
    const flight = createSingleFlight<{ healthy: boolean; run: number }>()
    const db = countingRecovery(20)
    expect(flight.inFlight('db')).toBe(false)
    const pending = flight.request('db', { failedAt: Date.now() }, db.recover)
    expect(flight.inFlight('db')).toBe(true)
    await pending
    expect(flight.inFlight('db')).toBe(false)
  })
})
