/**
 * predict/act.ts over a real sampler fed scripted metrics on an injected clock: when it acts,
 * what it reports, and that it never acts on a healthy series.
 */
import { describe, expect, test } from 'vitest'
import { createActor, type ActorHooks } from '../../../src/predict/act.js'
import { createSampler, type SampleReading } from '../../../src/predict/sampler.js'

/** A sampler of one service `db` whose metrics come from `script(tick)`, one tick a second. */
function scripted(script: (tick: number) => Record<string, number>) {
  let tick = 0
  let t = 1_700_000_000_000
  const sampler = createSampler({
    intervalMs: 1000,
    now: () => t,
    sources: [
      { name: 'db', timeoutMs: 500, read: async (): Promise<SampleReading> => ({ metrics: script(tick) }) },
    ],
  })
  return {
    sampler,
    now: () => t,
    async run(ticks: number) {
      for (let i = 0; i < ticks; i++) {
        await sampler.tick()
        tick++
        t += 1000
      }
    },
  }
}

function recordingHooks(overrides: Partial<ActorHooks> = {}) {
  const calls: string[] = []
  const hooks: ActorHooks = {
    hold: (s) => void calls.push(`hold ${s}`),
    release: (s) => void calls.push(`release ${s}`),
    checkpoint: async () => true,
    relieve: async (s) => {
      calls.push(`relieve ${s}`)
      return [
        {
          service: s,
          strategy: 'pgTerminateIdle',
          ok: true,
          trigger: 'sampler',
          startedAt: '',
          durationMs: 3,
          requests: 1,
        },
      ]
    },
    ...overrides,
  }
  return { hooks, calls }
}

/** Connections leaking one a second from 5 toward max_connections 40; full from tick 35. */
const leak = (tick: number) => ({
  'pg.connections': Math.min(40, 5 + tick),
  'pg.maxConnections': 40,
  'probe.down': 0,
})

describe('acting first', () => {
  test('a leak is acted on before it saturates: hold and checkpoint, then judged true with its real lead', async () => {
    const feed = scripted(leak)
    const { hooks, calls } = recordingHooks()
    const actor = createActor(feed.sampler, hooks, { services: [{ name: 'db' }], now: feed.now })
    await feed.run(40)
    await actor.settled()
    actor.stop()
    const [report, ...rest] = actor.reports()
    expect(rest).toEqual([])
    expect(report).toMatchObject({
      service: 'db',
      failure: 'saturation',
      actions: ['hold', 'checkpoint'],
      cameTrue: true,
    })
    expect(report!.observedLeadMs).toBeGreaterThanOrEqual(5_000)
    // The predicted lead was close to the one the run had.
    expect(Math.abs(report!.leadTimeMs! - report!.observedLeadMs!)).toBeLessThanOrEqual(
      0.2 * report!.observedLeadMs!,
    )
    expect(calls).toEqual(['hold db', 'release db'])
  })

  test('with relieve on, saturation runs the reliefs first; without a journal the checkpoint says so', async () => {
    const feed = scripted(leak)
    const { hooks, calls } = recordingHooks({ checkpoint: async () => false })
    const actor = createActor(feed.sampler, hooks, {
      services: [{ name: 'db', hasReliefs: true }],
      relieve: true,
      now: feed.now,
    })
    await feed.run(20)
    await actor.settled()
    expect(actor.reports()[0]!.actions).toEqual(['hold', 'checkpoint:no-journal', 'recovery:pgTerminateIdle'])
    expect(calls).toContain('relieve db')
    actor.stop()
  })

  test('a healthy series (connections come and go) never alarms, holds or reports', async () => {
    const feed = scripted((tick) => ({
      'pg.connections': 5 + ((tick * 7) % 6),
      'pg.maxConnections': 40,
      'probe.down': 0,
    }))
    const { hooks, calls } = recordingHooks()
    const actor = createActor(feed.sampler, hooks, { services: [{ name: 'db' }], now: feed.now })
    await feed.run(120)
    actor.stop()
    expect(actor.reports()).toEqual([])
    expect(calls).toEqual([])
  })

  test('a leak that stops before the threshold: the hold ends when the prediction clears, judged false at the window end', async () => {
    const feed = scripted((tick) => ({
      'pg.connections': 5 + Math.min(tick, 15),
      'pg.maxConnections': 40,
      'probe.down': 0,
    }))
    const { hooks, calls } = recordingHooks()
    const actor = createActor(feed.sampler, hooks, {
      services: [{ name: 'db' }],
      windowMs: 30_000,
      now: feed.now,
    })
    await feed.run(80)
    actor.stop()
    const reports = actor.reports()
    expect(reports.length).toBeGreaterThanOrEqual(1)
    expect(reports.every((r) => r.cameTrue === false && r.failedAt === undefined)).toBe(true)
    expect(calls.filter((c) => c === 'hold db')).toHaveLength(calls.filter((c) => c === 'release db').length)
  })

  test('a failure that came keeps its tests held until the service is well again', async () => {
    // Latency climbs 150 ms a tick past the 2 s timeout, stays there 5 ticks, then is gone.
    const latency = (tick: number) => (tick < 20 ? 100 + tick * 150 : tick < 25 ? 3000 : 100)
    const feed = scripted((tick) => ({ 'probe.latencyMs': latency(tick), 'probe.down': 0 }))
    const { hooks, calls } = recordingHooks()
    const actor = createActor(feed.sampler, hooks, {
      services: [{ name: 'db', timeoutMs: 2000 }],
      now: feed.now,
    })
    const holdsAfter = async (ticks: number) => {
      await feed.run(ticks)
      return [...calls]
    }
    expect(await holdsAfter(14)).toEqual(['hold db'])
    // Came true at tick 13 (2050 ms), still held while slow.
    expect(await holdsAfter(10)).toEqual(['hold db'])
    expect(actor.reports()[0]).toMatchObject({ failure: 'timeout', cameTrue: true })
    expect(await holdsAfter(2)).toEqual(['hold db', 'release db'])
    actor.stop()
  })

  test('hooks that throw never reach the sampler, and stop releases what is held', async () => {
    const feed = scripted(leak)
    const released: string[] = []
    const actor = createActor(
      feed.sampler,
      {
        hold: () => undefined,
        release: (s) => void released.push(s),
        checkpoint: async () => {
          throw new Error('disk gone')
        },
        log: () => {
          throw new Error('tty gone')
        },
      },
      { services: [{ name: 'db' }], now: feed.now },
    )
    await feed.run(15)
    await actor.settled()
    actor.stop()
    expect(actor.reports()).toHaveLength(1)
    expect(actor.reports()[0]!.cameTrue).toBeUndefined()
    expect(released).toEqual(['db'])
  })
})
