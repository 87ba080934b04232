/** The pure predictor (src/core/predict.ts): trends to thresholds, and what must never predict. */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { baseRatePerWindow, fitTrend, isAlarm, normalCdf, predict } from '../../../src/core/predict.js'
import type { Sample } from '../../../src/core/prediction.js'

const T0 = 1_700_000_000_000

/** One sample a second of `metrics(i)` for service `db`. */
function series(n: number, metrics: (i: number) => Record<string, number>, source = 'db'): Sample[] {
  return Array.from({ length: n }, (_, i) => ({ source, at: T0 + i * 1000, metrics: metrics(i) }))
}

/** A seeded PRNG: the same noise every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 2 ** 32
  }
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random())
}

describe('fitTrend', () => {
  test('recovers the slope and level of a clean line, and shrugs off an outlier', () => {
    const points = Array.from({ length: 10 }, (_, i) => ({ t: i * 1000, y: 5 + 0.002 * i * 1000 }))
    points[4]!.y = 500
    const fit = fitTrend(points)!
    expect(fit.slopePerMs).toBeCloseTo(0.002, 6)
    expect(fit.level).toBeCloseTo(5 + 18, 6)
  })
  test('needs two distinct times', () => {
    expect(fitTrend([{ t: 1, y: 1 }])).toBeUndefined()
    expect(
      fitTrend([
        { t: 1, y: 1 },
        { t: 1, y: 2 },
      ]),
    ).toBeUndefined()
  })
})

describe('predict', () => {
  test('a connection leak predicts saturation with the lead time to max_connections', () => {
    // 1 connection every 2 s from 10, max 40: at the 15th sample (t = 14 s) 17 are open, 23 to go → 46 s.
    const samples = series(15, (i) => ({ 'pg.connections': 10 + Math.floor(i / 2), 'pg.maxConnections': 40 }))
    const [p] = predict('db', samples, { windowMs: 60_000 })
    expect(p).toMatchObject({
      service: 'db',
      failure: 'saturation',
      basis: 'pg.connections → 40 (max_connections)',
    })
    expect(p!.probability).toBeGreaterThan(0.8)
    expect(p!.leadTimeMs! / 46_000).toBeGreaterThan(0.8)
    expect(p!.leadTimeMs! / 46_000).toBeLessThan(1.2)
    // The same leak seen against a 30 s window: the threshold is beyond it, not predicted.
    expect(predict('db', samples, { windowMs: 30_000 })[0]!.probability).toBeLessThan(0.5)
  })

  test('a full service predicts at once, lead 0', () => {
    const samples = series(6, () => ({ 'pg.connections': 40, 'pg.maxConnections': 40 }))
    expect(predict('db', samples)[0]).toMatchObject({ probability: 1, leadTimeMs: 0 })
  })

  test('disk filling, latency growing and memory running away each name their basis', () => {
    const disk = series(10, (i) => ({ 'disk.freeBytes': 50e6 - i * 4e6 }))
    expect(predict('db', disk)[0]).toMatchObject({ failure: 'disk-full', leadTimeMs: 3_500 })
    const latency = series(10, (i) => ({ 'probe.latencyMs': 100 + i * 200 }))
    expect(
      predict(
        'app',
        latency.map((s) => ({ ...s, source: 'app' })),
        { timeoutMs: 5000 },
      )[0],
    ).toMatchObject({
      failure: 'timeout',
      basis: 'probe.latencyMs → 5000 (client timeout)',
    })
    // No timeout known: no timeout predicted.
    expect(
      predict(
        'app',
        latency.map((s) => ({ ...s, source: 'app' })),
      ),
    ).toEqual([])
    const rss = series(10, (i) => ({ 'proc.rssBytes': 100e6 + i * 50e6 }), 'app')
    const host = series(10, () => ({ 'host.freeMemBytes': 400e6 }), 'host')
    const [memory] = predict('app', rss, {}, { host })
    expect(memory).toMatchObject({ failure: 'memory', leadTimeMs: 8_000 })
    expect(memory!.probability).toBeGreaterThan(0.99)
  })

  test('a latency read every 5th tick is fitted over its own readings; of two metrics of a kind, the more alarming', () => {
    // A PostgreSQL's probe latency comes every 5th tick, its kept connection's query time every tick.
    const samples = series(60, (i) => ({
      ...(i % 5 === 0 ? { 'probe.latencyMs': 100 + i * 40 } : {}),
      'pg.queryMs': 5,
    }))
    const [timeout] = predict('db', samples, { timeoutMs: 3000 })
    expect(timeout).toMatchObject({ failure: 'timeout', basis: 'probe.latencyMs → 3000 (client timeout)' })
    expect(timeout!.probability).toBeGreaterThan(0.99)
    const queries = series(20, (i) => ({ 'pg.queryMs': 100 + i * 100, 'probe.latencyMs': 50 }))
    expect(predict('db', queries, { timeoutMs: 4000 })[0]).toMatchObject({
      basis: 'pg.queryMs → 4000 (client timeout)',
    })
  })

  test('too few samples predict nothing; other sources are ignored', () => {
    expect(
      predict(
        'db',
        series(4, (i) => ({ 'pg.connections': i * 10, 'pg.maxConnections': 40 })),
      ),
    ).toEqual([])
    expect(
      predict(
        'db',
        series(10, (i) => ({ 'pg.connections': i * 10, 'pg.maxConnections': 40 }), 'other'),
      ),
    ).toEqual([])
  })

  test('history base rates are a prior: alone they say how often, with confidence 0', () => {
    const flat = series(10, () => ({ 'pg.connections': 5, 'pg.maxConnections': 40 }))
    const out = predict('db', flat, {}, { baseRates: { saturation: 0.1, down: 0.2 } })
    expect(out.find((p) => p.failure === 'saturation')!.probability).toBeCloseTo(0.1, 3)
    expect(out.find((p) => p.failure === 'down')).toMatchObject({
      probability: 0.2,
      confidence: 0,
      basis: 'history base rate',
    })
    expect(baseRatePerWindow(0.5, 60_000, 30_000)).toBeCloseTo(1 - Math.exp(-0.25), 3)
    expect(baseRatePerWindow(0, 60_000, 30_000)).toBe(0)
  })

  test('normalCdf', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6)
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 3)
    expect(normalCdf(-1.96)).toBeCloseTo(0.025, 3)
  })
})

describe('properties', () => {
  test('a flat series never predicts, whatever its level below the threshold', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 5, max: 40 }), (level, n) => {
        const samples = series(n, () => ({ 'pg.connections': level, 'pg.maxConnections': 100 }))
        const [p] = predict('db', samples)
        return !isAlarm(p!) && p!.probability < 0.5 && p!.leadTimeMs === undefined
      }),
    )
  })

  test('a linear leak predicts with lead time within ±20% of the true time to the threshold', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.double({ min: 0.2, max: 5, noNaN: true }),
        fc.integer({ min: 10, max: 20 }),
        (seed, perSecond, n) => {
          // A leak shows once it rose well above the ±1 jitter over the samples fitted (15 counts).
          fc.pre(perSecond * (n - 1) >= 15)
          const random = rng(seed)
          const max = 100
          const start = 5
          // Counts are whole, with ±1 connection of jitter around the leak.
          const samples = series(n, (i) => ({
            'pg.connections': Math.max(0, Math.round(start + perSecond * i + (random() - 0.5) * 2)),
            'pg.maxConnections': max,
          }))
          const trueLead = ((max - start) / perSecond - (n - 1)) * 1000
          const [p] = predict('db', samples, { windowMs: trueLead * 1.5 + 1000 })
          if (trueLead < 5000) return true // a few samples from full: the ±20% of a tiny lead is under one count
          return (
            p!.leadTimeMs !== undefined && Math.abs(p!.leadTimeMs - trueLead) <= 0.2 * trueLead && isAlarm(p!)
          )
        },
      ),
      { numRuns: 300 },
    )
  })

  test('noise alone (4 σ under the threshold) alarms at most once in 1,000 fits', () => {
    // A fit on i.i.d. noise now and then sees a trend (10 rising samples happen): the rate is what
    // is promised, and predict/act.ts acts only on an alarm that persists over several ticks.
    const random = rng(20261130)
    let alarms = 0
    const fits = 5000
    for (let k = 0; k < fits; k++) {
      const sigma = 1 + random() * 200
      const n = 5 + Math.floor(random() * 16)
      const samples = series(n, () => ({ 'probe.latencyMs': 1000 + sigma * gaussian(random) }), 'app')
      const [p] = predict('app', samples, { timeoutMs: 1000 + 4 * sigma })
      if (isAlarm(p!)) alarms++
    }
    expect(alarms / fits).toBeLessThanOrEqual(0.001)
  })
})
