/**
 * Each toxic measured against its Toxiproxy semantics, through the fault proxy, against a real
 * PostgreSQL (what a test suite sees) or a TCP echo server (exact bytes and timings).
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startFaultProxy, type FaultProxy } from '../../../src/chaos/proxy.js'
import { startPostgres, type PgHandle } from '../../helpers/postgres.js'
import { connectTo, roundTrip, startEchoServer, type EchoServer } from './proxy-echo.js'

const elapsed = async (work: () => Promise<unknown>): Promise<number> => {
  const start = performance.now()
  await work()
  return performance.now() - start
}

/** The error a promise rejects with (fails the test when it resolves). */
const rejection = async (promise: Promise<unknown>): Promise<Error & { code?: string }> => {
  try {
    await promise
  } catch (error) {
    return error as Error & { code?: string }
  }
  throw new Error('expected a rejection')
}

describe('toxics against a real PostgreSQL', () => {
  let db: PgHandle
  let proxy: FaultProxy
  const clients: pg.Client[] = []
  beforeAll(async () => {
    db = await startPostgres()
    proxy = await startFaultProxy({ upstream: { host: db.host, port: db.port } })
  })
  afterEach(async () => {
    for (const toxic of proxy.toxics()) proxy.removeToxic(toxic.id)
    await proxy.enable()
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)))
  })
  afterAll(async () => {
    await proxy?.close()
    await db?.close()
  })

  const client = async (): Promise<pg.Client> => {
    const c = new pg.Client({ host: '127.0.0.1', port: proxy.port, user: 'postgres', database: 'postgres' })
    c.on('error', () => undefined)
    clients.push(c)
    await c.connect()
    return c
  }

  it('latency adds at least its delay to every round trip (downstream by default, twice with both), and goes when removed', async () => {
    const c = await client()
    await c.query('SELECT 1')
    const id = proxy.addToxic('latency', { latency: 120 })
    expect(proxy.toxics()).toEqual([
      { id, kind: 'latency', params: { latency: 120 }, stream: 'downstream', toxicity: 1 },
    ])
    for (let i = 0; i < 3; i++)
      expect(await elapsed(() => c.query('SELECT $1::int', [i]))).toBeGreaterThanOrEqual(119)
    const both = proxy.addToxic('latency', { latency: 60 }, { stream: 'both' })
    // 120 downstream + 60 each way
    expect(await elapsed(() => c.query('SELECT 2'))).toBeGreaterThanOrEqual(239)
    expect(proxy.removeToxic(id)).toBe(true)
    expect(proxy.removeToxic(both)).toBe(true)
    expect(proxy.removeToxic(both)).toBe(false)
    // Under the 120 ms it had: gone (a loaded machine can make a bare query take tens of ms).
    expect(await elapsed(() => c.query('SELECT 3'))).toBeLessThan(120)
  })

  it('reset_peer resets the connection: pg sees ECONNRESET on a query and on connect; removed, queries work', async () => {
    const c = await client()
    const id = proxy.addToxic('reset_peer', { timeout: 0 })
    expect(await rejection(c.query('SELECT 1'))).toMatchObject({ code: 'ECONNRESET' })
    expect(await rejection(client())).toMatchObject({ code: 'ECONNRESET' })
    await expect.poll(() => proxy.connections).toBe(0)
    proxy.removeToxic(id)
    expect((await (await client()).query('SELECT 7 AS n')).rows).toEqual([{ n: 7 }])
  })

  it('reset_peer with a timeout resets that long after the first bytes', async () => {
    const c = await client()
    proxy.addToxic('reset_peer', { timeout: 300 }, { stream: 'upstream' })
    const start = performance.now()
    expect(await rejection(c.query('SELECT 1'))).toMatchObject({ code: 'ECONNRESET' })
    expect(performance.now() - start).toBeGreaterThanOrEqual(295)
  })

  it('timeout stops all data, then closes the connection after its timeout', async () => {
    const c = await client()
    proxy.addToxic('timeout', { timeout: 400 })
    const start = performance.now()
    const error = await rejection(c.query('SELECT 1'))
    expect(performance.now() - start).toBeGreaterThanOrEqual(395)
    expect(error.message).toMatch(/Connection terminated unexpectedly/)
  })

  it('timeout 0 hangs until the toxic is removed, which closes the connection (bytes were dropped)', async () => {
    const c = await client()
    const id = proxy.addToxic('timeout', { timeout: 0 })
    const query = c.query('SELECT 1').then(
      () => 'answered',
      (error: Error) => error.message,
    )
    const early = await Promise.race([
      query,
      new Promise((resolve) => setTimeout(() => resolve('hanging'), 500)),
    ])
    expect(early).toBe('hanging')
    proxy.removeToxic(id)
    expect(await query).toMatch(/Connection terminated unexpectedly/)
    expect((await (await client()).query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }])
  })

  it('down (disable) refuses new connections with ECONNREFUSED and closes open ones; enable brings the same port back', async () => {
    const c = await client()
    const ended = new Promise((resolve) => c.once('end', resolve))
    const port = proxy.port
    await proxy.disable()
    expect(proxy.enabled).toBe(false)
    await ended
    expect(await rejection(client())).toMatchObject({ code: 'ECONNREFUSED' })
    await proxy.enable()
    expect(proxy.port).toBe(port)
    expect((await (await client()).query('SELECT 2 AS n')).rows).toEqual([{ n: 2 }])
  })

  it('toxicity 0 never applies; a malformed toxic throws a TypeError naming the attribute', async () => {
    const c = await client()
    proxy.addToxic('reset_peer', { timeout: 0 }, { toxicity: 0 })
    expect((await c.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }])
    expect(() => proxy.addToxic('latency', { latency: -1 })).toThrow(/latency must be a number ≥ 0/)
    expect(() => proxy.addToxic('bandwidth', { rate: 0 })).toThrow(TypeError)
    expect(() => proxy.addToxic('slicer', { average_size: 10, size_variation: 10 })).toThrow(/size_variation/)
    expect(() => proxy.addToxic('nope' as 'latency', { latency: 1 })).toThrow(/unknown toxic "nope"/)
    expect(() => proxy.addToxic('latency', { latency: 1 }, { toxicity: 2 })).toThrow(/toxicity/)
    expect(() => proxy.addToxic('latency', { latency: 1 }, { stream: 'sideways' as 'both' })).toThrow(
      /stream/,
    )
  })

  it('onClientData holds the client bytes until its promise settles: a fault added then hits that very query', async () => {
    const c = await client()
    let armed = false
    let seen = 0
    const off = proxy.onClientData((connection) => {
      seen = connection.id
      if (!armed) return undefined
      armed = false
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          proxy.addToxic('reset_peer', { timeout: 0 }, { stream: 'upstream' })
          resolve()
        }, 200),
      )
    })
    try {
      expect((await c.query('SELECT 1 AS unheld')).rows).toEqual([{ unheld: 1 }])
      expect(seen).toBeGreaterThan(0)
      armed = true
      const start = performance.now()
      expect(await rejection(c.query("SELECT 'held'"))).toMatchObject({ code: 'ECONNRESET' })
      expect(performance.now() - start).toBeGreaterThanOrEqual(195)
    } finally {
      off()
    }
  })
})

describe('toxics against a TCP echo server', () => {
  let echo: EchoServer
  let proxy: FaultProxy
  beforeAll(async () => {
    echo = await startEchoServer()
    proxy = await startFaultProxy({ upstream: { host: '127.0.0.1', port: echo.port } })
  })
  afterEach(() => {
    for (const toxic of proxy.toxics()) proxy.removeToxic(toxic.id)
  })
  afterAll(async () => {
    await proxy?.close()
    await echo?.close()
  })

  it('latency shifts a stream of chunks by its delay, it does not add it once per chunk', async () => {
    proxy.addToxic('latency', { latency: 150, jitter: 20 })
    const socket = await connectTo(proxy.port)
    const reads: number[] = []
    socket.on('data', () => reads.push(performance.now()))
    const start = performance.now()
    for (let i = 0; i < 20; i++) {
      socket.write(randomBytes(100))
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    await expect.poll(() => reads.length, { timeout: 5_000 }).toBeGreaterThan(0)
    await new Promise((resolve) => setTimeout(resolve, 400))
    socket.destroy()
    expect(reads[0]! - start).toBeGreaterThanOrEqual(129)
    // 20 chunks 10 ms apart, each 150 ± 20 ms late: all in well under 20 × 150 ms (about 350 ms).
    expect(reads.at(-1)! - start).toBeLessThan(1_500)
  })

  it('bandwidth bounds the throughput to its rate within ±30%', async () => {
    proxy.addToxic('bandwidth', { rate: 1000 })
    const payload = randomBytes(1_000_000)
    const start = performance.now()
    const { data } = await roundTrip(await connectTo(proxy.port), [payload])
    const seconds = (performance.now() - start) / 1000
    expect(data.equals(payload)).toBe(true)
    const rate = 1_000_000 / seconds / 1000
    expect(rate).toBeGreaterThan(700)
    expect(rate).toBeLessThan(1300)
  })

  it('slicer delivers the same bytes in small chunks', async () => {
    proxy.addToxic('slicer', { average_size: 100, size_variation: 30, delay: 1000 })
    const payload = randomBytes(20_000)
    const { data, reads } = await roundTrip(await connectTo(proxy.port), [payload])
    expect(data.equals(payload)).toBe(true)
    const sizes = reads.map((r) => r.length).sort((a, b) => a - b)
    expect(sizes.length).toBeGreaterThan(50)
    expect(sizes[Math.floor(sizes.length / 2)]).toBeLessThanOrEqual(130)
  })

  it('toxicity is rolled once per connection: about half of them are reset at 0.5, the same ones for the same seed', async () => {
    const resetsFor = async (seed: number): Promise<boolean[]> => {
      let state = seed
      const random = (): number => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
      const seeded = await startFaultProxy({ upstream: { host: '127.0.0.1', port: echo.port }, random })
      seeded.addToxic('reset_peer', { timeout: 0 }, { toxicity: 0.5 })
      try {
        const outcomes: boolean[] = []
        for (let i = 0; i < 20; i++) {
          const trip = roundTrip(await connectTo(seeded.port), [Buffer.from('ping')])
          outcomes.push(
            await trip.then(
              () => false,
              (error: { code?: string }) => error.code === 'ECONNRESET',
            ),
          )
        }
        return outcomes
      } finally {
        await seeded.close()
      }
    }
    const first = await resetsFor(42)
    expect(first.filter(Boolean).length).toBeGreaterThan(3)
    expect(first.filter(Boolean).length).toBeLessThan(17)
    expect(await resetsFor(42)).toEqual(first)
  })

  it.each([
    ['latency', () => proxy.addToxic('latency', { latency: 300 })],
    ['bandwidth', () => proxy.addToxic('bandwidth', { rate: 200 })],
    ['slicer', () => proxy.addToxic('slicer', { average_size: 50, size_variation: 10, delay: 2000 })],
  ])('%s removed mid-stream loses nothing and keeps the order', async (_, add) => {
    const id = add()
    const chunks = Array.from({ length: 40 }, () => randomBytes(5_000))
    const socket = await connectTo(proxy.port)
    const trip = roundTrip(socket, chunks, 2)
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(proxy.removeToxic(id)).toBe(true)
    const { data } = await trip
    expect(data.equals(Buffer.concat(chunks))).toBe(true)
  })
})
