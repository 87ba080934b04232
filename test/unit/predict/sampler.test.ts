import { describe, expect, test } from 'vitest'
import type { Sample } from '../../../src/core/prediction.js'
import { createSampler, type SampleReading, type SampleSource } from '../../../src/predict/sampler.js'

function source(
  name: string,
  read: () => Promise<SampleReading>,
  timeoutMs = 200,
): SampleSource & { reads: number; closed: number } {
  const s = {
    name,
    timeoutMs,
    reads: 0,
    closed: 0,
    read() {
      s.reads++
      return read()
    },
    async close() {
      s.closed++
    },
  }
  return s
}

const value = (n: number) => async (): Promise<SampleReading> => ({ metrics: { n } })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('sampler', () => {
  test('keeps one sample per source per tick, in a ring bounded by retainMs / intervalMs', async () => {
    let t = 1_000
    let n = 0
    const a = source('a', async () => ({ metrics: { n: n++ } }))
    const sampler = createSampler({ intervalMs: 100, retainMs: 500, sources: [a], now: () => t })
    for (let i = 0; i < 8; i++) {
      await sampler.tick()
      t += 100
    }
    const kept = sampler.recent('a')
    expect(kept.map((s) => s.metrics.n)).toEqual([3, 4, 5, 6, 7])
    expect(kept.map((s) => s.at)).toEqual([1_300, 1_400, 1_500, 1_600, 1_700])
    expect(sampler.recent('a', 1_600).map((s) => s.metrics.n)).toEqual([6, 7])
    expect(sampler.recent('nobody')).toEqual([])
    expect(sampler.sources()).toEqual(['a'])
  })

  test('a tick asked for while one runs joins it: sources are never read twice at once', async () => {
    let release!: () => void
    const slow = source('slow', () => new Promise((r) => (release = () => r({ metrics: { x: 1 } }))), 5_000)
    const sampler = createSampler({ intervalMs: 1_000, sources: [slow] })
    const first = sampler.tick()
    const second = sampler.tick()
    expect(second).toBe(first)
    await sleep(5)
    release()
    await first
    expect(slow.reads).toBe(1)
    expect(sampler.recent('slow')).toHaveLength(1)
  })

  test('a hanging source is cut off at its timeout, the others sampled, and it is skipped until it settles', async () => {
    let settle!: () => void
    const hang = source('hang', () => new Promise((r) => (settle = () => r({ metrics: { late: 1 } }))), 30)
    const ok = source('ok', value(1))
    const sampler = createSampler({ intervalMs: 1_000, sources: [hang, ok] })
    const started = performance.now()
    await sampler.tick()
    expect(performance.now() - started).toBeLessThan(500)
    await sampler.tick()
    // The late answer is dropped (it belongs to no tick), and the second tick did not read it again.
    expect(hang.reads).toBe(1)
    settle()
    await sleep(1)
    await sampler.tick()
    expect(hang.reads).toBe(2)
    expect(sampler.recent('hang')).toEqual([])
    expect(sampler.recent('ok')).toHaveLength(3)
  })

  test('a throwing source and a throwing listener change nothing for the rest', async () => {
    const bad = source('bad', async () => {
      throw new Error('boom')
    })
    const good = source('good', value(2))
    const sampler = createSampler({ intervalMs: 1_000, sources: [bad, good] })
    const seen: Sample[] = []
    sampler.onSample(() => {
      throw new Error('listener boom')
    })
    const off = sampler.onSample((s) => seen.push(s))
    await expect(sampler.tick()).resolves.toBeUndefined()
    expect(seen.map((s) => s.source)).toEqual(['good'])
    off()
    await sampler.tick()
    expect(seen).toHaveLength(1)
    expect(sampler.recent('good')).toHaveLength(2)
  })

  test('the probe detail travels with the sample', async () => {
    const down = source('db', async () => ({ metrics: { 'probe.down': 1 }, detail: 'connect ECONNREFUSED' }))
    const sampler = createSampler({ intervalMs: 1_000, sources: [down] })
    await sampler.tick()
    expect(sampler.recent('db')[0]).toMatchObject({ source: 'db', detail: 'connect ECONNREFUSED' })
  })

  test('start ticks every interval until stop, which waits for the tick and closes every source', async () => {
    const a = source('a', value(1))
    const sampler = createSampler({ intervalMs: 40, sources: [a] })
    sampler.start()
    sampler.start()
    await sleep(190)
    await sampler.stop()
    const reads = a.reads
    // First tick at once, then every 40 ms: ~5 in 190 ms (a loaded machine may lose one or two).
    expect(reads).toBeGreaterThanOrEqual(3)
    expect(reads).toBeLessThanOrEqual(6)
    expect(a.closed).toBe(1)
    await sampler.stop()
    expect(a.closed).toBe(1)
    await sleep(100)
    expect(a.reads).toBe(reads)
    sampler.start()
    await sleep(60)
    expect(a.reads).toBe(reads)
  })
})
