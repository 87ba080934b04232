import { describe, expect, it } from 'vitest'
import type { HealthProbe } from '../../../src/core/types.js'
import { pollUntilHealthy, waitUntilHealthy } from '../../../src/services/wait.js'
import { FakeClock } from '../../helpers/fake-clock.js'

const down: HealthProbe = { state: 'down', detail: 'connect ECONNREFUSED 127.0.0.1:5432', latencyMs: 1 }
const starting: HealthProbe = {
  state: 'starting',
  detail: '57P03 the database system is starting up',
  latencyMs: 1,
}
const healthy: HealthProbe = { state: 'healthy', detail: 'SELECT 1 ok', latencyMs: 1 }

/** A probe that answers from a script (the last answer repeats) and remembers when it was asked. */
function scripted(clock: FakeClock, answers: HealthProbe[]) {
  const askedAt: number[] = []
  const probe = async (): Promise<HealthProbe> => {
    askedAt.push(clock.now())
    return answers[Math.min(askedAt.length - 1, answers.length - 1)] as HealthProbe
  }
  return { probe, askedAt }
}

describe('waitUntilHealthy', () => {
  it('probes with a backoff from 25 ms doubling to 1 s until healthy', async () => {
    const clock = new FakeClock()
    const { probe, askedAt } = scripted(clock, [...Array<HealthProbe>(9).fill(down), healthy])
    const result = await waitUntilHealthy({ probe }, { timeoutMs: 30_000, clock })
    expect(result).toMatchObject({ healthy: true, probes: 10, last: healthy })
    const gaps = askedAt.slice(1).map((t, i) => t - (askedAt[i] as number))
    expect(gaps).toEqual([25, 50, 100, 200, 400, 800, 1000, 1000, 1000])
    expect(result.elapsedMs).toBe(4575)
  })

  it('keeps waiting through 57P03 "starting" answers instead of giving up', async () => {
    const clock = new FakeClock()
    const { probe } = scripted(clock, [...Array<HealthProbe>(20).fill(starting), healthy])
    const result = await waitUntilHealthy({ probe }, { timeoutMs: 30_000, clock })
    expect(result.healthy).toBe(true)
    expect(result.probes).toBe(21)
    // 20 failed probes of backoff: 25+50+…+800 (1575 ms), then 14 pauses of 1 s.
    expect(result.elapsedMs).toBe(1575 + 14_000)
  })

  it('never waits past the timeout, and reports the last answer', async () => {
    const clock = new FakeClock()
    const { probe, askedAt } = scripted(clock, [starting])
    const result = await waitUntilHealthy({ probe }, { timeoutMs: 1_000, clock })
    expect(result).toMatchObject({ healthy: false, elapsedMs: 1_000, last: starting })
    expect(askedAt).toEqual([0, 25, 75, 175, 375, 775, 1000])
  })

  it('gives up on a probe that hangs past the deadline', async () => {
    const clock = new FakeClock()
    const hanging = async (): Promise<HealthProbe> => {
      await clock.sleep(60_000)
      return healthy
    }
    const result = await pollUntilHealthy(hanging, { timeoutMs: 2_000, clock })
    expect(result.healthy).toBe(false)
    expect(result.elapsedMs).toBe(2_000)
    expect(result.last.detail).toBe('no answer within the 2000 ms wait')
  })

  it('when the probe at the deadline is cut off, reports what the service said before it', async () => {
    const clock = new FakeClock()
    let calls = 0
    const saysStartingThenHangs = async (): Promise<HealthProbe> => {
      if (++calls <= 3) return starting
      await clock.sleep(60_000)
      return healthy
    }
    const result = await pollUntilHealthy(saysStartingThenHangs, { timeoutMs: 1_000, clock })
    expect(result).toMatchObject({ healthy: false, elapsedMs: 1_000, probes: 3, last: starting })
  })

  it('turns a probe that throws into a down answer and keeps polling', async () => {
    const clock = new FakeClock()
    let calls = 0
    const flaky = async (): Promise<HealthProbe> => {
      calls++
      if (calls === 1) throw new Error('boom postgres://u:hunter2@h/db')
      return healthy
    }
    const result = await pollUntilHealthy(flaky, { timeoutMs: 1_000, clock })
    expect(result).toMatchObject({ healthy: true, probes: 2 })
  })

  it('stops at once when giveUp names a reason (the owned process exited)', async () => {
    const clock = new FakeClock()
    const { probe } = scripted(clock, [down])
    let alive = 3
    const result = await pollUntilHealthy(probe, {
      timeoutMs: 30_000,
      clock,
      giveUp: () => (--alive > 0 ? undefined : 'its process exited'),
    })
    expect(result).toMatchObject({ healthy: false, probes: 3, stoppedBecause: 'its process exited' })
    expect(result.elapsedMs).toBe(75)
  })

  it('stops when its signal aborts', async () => {
    const clock = new FakeClock()
    const controller = new AbortController()
    let calls = 0
    const probe = async (): Promise<HealthProbe> => {
      if (++calls === 4) controller.abort()
      return down
    }
    const result = await pollUntilHealthy(probe, { timeoutMs: 30_000, clock, signal: controller.signal })
    expect(result).toMatchObject({ healthy: false, probes: 4, stoppedBecause: 'aborted' })
    expect(result.elapsedMs).toBeLessThan(200)
  })
})
