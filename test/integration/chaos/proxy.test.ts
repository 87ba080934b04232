/**
 * The fault proxy with no toxic, against real peers: a real PostgreSQL queried through it (a large
 * result byte for byte), a TCP echo server (order, half-close, backpressure with a slow reader).
 */
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:net'
import fc from 'fast-check'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFaultProxy, type FaultProxy, type ProxyConnection } from '../../../src/chaos/proxy.js'
import { startPostgres, type PgHandle } from '../../helpers/postgres.js'
import { connectTo, roundTrip, startEchoServer, type EchoServer } from './proxy-echo.js'

/** About 11 MB over 80,000 rows: many reads on the way, each row checked by its hash. */
const LARGE = `SELECT i, md5(i::text) || repeat(chr(65 + i % 26), 100) AS text FROM generate_series(1, 80000) i`

const digest = (rows: unknown[]): string => createHash('sha256').update(JSON.stringify(rows)).digest('hex')

describe('the fault proxy in front of a real PostgreSQL', () => {
  let db: PgHandle
  let proxy: FaultProxy
  beforeAll(async () => {
    db = await startPostgres()
    proxy = await startFaultProxy({ upstream: { host: db.host, port: db.port } })
  })
  afterAll(async () => {
    await proxy?.close()
    await db?.close()
  })

  const client = async (port: number): Promise<pg.Client> => {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' })
    c.on('error', () => undefined)
    await c.connect()
    return c
  }

  it('listens on a free port and answers queries as the server does, the large result byte for byte', async () => {
    expect(proxy.port).toBeGreaterThan(0)
    expect(proxy.port).not.toBe(db.port)
    const direct = await client(db.port)
    const proxied = await client(proxy.port)
    try {
      expect(proxy.connections).toBe(1)
      const params = (await proxied.query('SELECT $1::int + 1 AS n, $2::text AS t', [41, 'é✓'])).rows
      expect(params).toEqual([{ n: 42, t: 'é✓' }])
      const want = (await direct.query(LARGE)).rows
      const got = (await proxied.query(LARGE)).rows
      expect(got.length).toBe(80_000)
      expect(digest(got)).toBe(digest(want))
      expect(proxy.bytesDown).toBeGreaterThan(10_000_000)
    } finally {
      await direct.end()
      await proxied.end()
    }
    await expect.poll(() => proxy.connections).toBe(0)
  })

  it('a server killed mid-query gives pg the error it gives without the proxy, and the proxy lets both sides go', async () => {
    const direct = await client(db.port)
    const proxied = await client(proxy.port)
    const sleeping = (c: pg.Client): Promise<string> =>
      c.query('SELECT pg_sleep(30)').then(
        () => 'answered',
        (error: Error) => error.message,
      )
    const outcomes = Promise.all([sleeping(direct), sleeping(proxied)])
    await new Promise((resolve) => setTimeout(resolve, 200))
    await db.killHard()
    const [viaDirect, viaProxy] = await outcomes
    expect(viaProxy).toBe(viaDirect)
    expect(viaProxy).toMatch(/Connection terminated unexpectedly/)
    await expect.poll(() => proxy.connections).toBe(0)
    await db.start()
    const again = await client(proxy.port)
    expect((await again.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }])
    await again.end()
  })

  it('a malformed address is a TypeError naming the option', async () => {
    await expect(startFaultProxy({ upstream: { host: '127.0.0.1', port: 0 } })).rejects.toThrow(
      /startFaultProxy: upstream must be/,
    )
    await expect(
      startFaultProxy({ upstream: { host: '127.0.0.1', port: db.port }, listen: { port: -1 } }),
    ).rejects.toThrow(/listen.port/)
  })

  it('close() closes every connection: the client sees its connection end', async () => {
    const other = await startFaultProxy({ upstream: { host: db.host, port: db.port } })
    const c = await client(other.port)
    const ended = new Promise((resolve) => c.once('end', resolve))
    await other.close()
    await ended
    expect(other.connections).toBe(0)
    await expect(c.query('SELECT 1')).rejects.toThrow()
    await other.close()
  })
})

describe('the fault proxy in front of a TCP echo server', () => {
  let echo: EchoServer
  let proxy: FaultProxy
  beforeAll(async () => {
    echo = await startEchoServer()
    proxy = await startFaultProxy({ upstream: { host: '127.0.0.1', port: echo.port } })
  })
  afterAll(async () => {
    await proxy?.close()
    await echo?.close()
  })

  it('passes random payloads through whole and in order, and half-close both ways', async () => {
    const chunks = Array.from({ length: 200 }, (_, i) => randomBytes(1 + ((i * 7919) % 70_000)))
    const sent = Buffer.concat(chunks)
    // The client ends its side first; the echo server's answer must still arrive in full after that.
    const { data } = await roundTrip(await connectTo(proxy.port), chunks)
    expect(data.length).toBe(sent.length)
    expect(data.equals(sent)).toBe(true)
    await expect.poll(() => proxy.connections).toBe(0)
  })

  it('property: random chunks with no toxic arrive whole and in order, also when the hook holds some of them', async () => {
    const chunks = fc.array(fc.uint8Array({ minLength: 1, maxLength: 20_000 }), {
      minLength: 1,
      maxLength: 30,
    })
    await fc.assert(
      fc.asyncProperty(chunks, fc.array(fc.boolean(), { maxLength: 30 }), async (arrays, holds) => {
        // A held chunk goes through the queue, the others through the fast path: order must survive both.
        let n = 0
        const off = proxy.onClientData(() =>
          holds[n++ % Math.max(1, holds.length)]
            ? new Promise((resolve) => setTimeout(resolve, 3))
            : undefined,
        )
        try {
          const sent = arrays.map((a) => Buffer.from(a))
          const { data } = await roundTrip(await connectTo(proxy.port), sent, 1)
          expect(data.equals(Buffer.concat(sent))).toBe(true)
        } finally {
          off()
        }
      }),
      { numRuns: 40 },
    )
  })

  it.each([
    ['no toxic', false],
    ['a latency toxic (the queued path)', true],
  ])('with a slow reader, backpressure keeps what the proxy holds bounded: %s', async (_, withToxic) => {
    const toxic = withToxic ? proxy.addToxic('latency', { latency: 5 }, { stream: 'both' }) : undefined
    let connection: ProxyConnection | undefined
    const off = proxy.onClientData((c) => {
      connection ??= c
    })
    const pool = randomBytes(4 * 1024 * 1024)
    const sentHash = createHash('sha256')
    let written = 0
    let maxBuffered = 0
    const sample = setInterval(() => (maxBuffered = Math.max(maxBuffered, connection?.buffered ?? 0)), 5)
    try {
      const socket = await connectTo(proxy.port)
      // The slow reader: reads nothing while the writer pushes as fast as its own drain allows.
      socket.pause()
      const received = createHash('sha256')
      let receivedBytes = 0
      socket.on('data', (data: Buffer) => {
        received.update(data)
        receivedBytes += data.length
      })
      const deadline = performance.now() + 800
      for (let i = 0; performance.now() < deadline; i++) {
        const offset = (i * 104_729) % (pool.length - 65_536)
        const chunk = pool.subarray(offset, offset + 65_536)
        sentHash.update(chunk)
        written += chunk.length
        if (!socket.write(chunk)) {
          const wait = new Promise((resolve) =>
            setTimeout(resolve, Math.max(1, deadline - performance.now())),
          )
          await Promise.race([once(socket, 'drain'), wait])
        }
      }
      expect(maxBuffered).toBeLessThan(3 * 1024 * 1024)
      socket.end()
      socket.resume()
      await once(socket, 'end')
      socket.destroy()
      expect(receivedBytes).toBe(written)
      expect(received.digest('hex')).toBe(sentHash.digest('hex'))
    } finally {
      clearInterval(sample)
      off()
      if (toxic) proxy.removeToxic(toxic)
    }
  })

  it('never crashes on a client reset mid-stream or an upstream that refuses: both sides are let go', async () => {
    const socket = await connectTo(proxy.port)
    socket.on('error', () => undefined)
    socket.write(randomBytes(1_000_000))
    await once(socket, 'data')
    socket.resetAndDestroy()
    await expect.poll(() => proxy.connections).toBe(0)

    const refusing = createServer()
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve))
    const port = (refusing.address() as { port: number }).port
    await new Promise((resolve) => refusing.close(resolve))
    const dead = await startFaultProxy({ upstream: { host: '127.0.0.1', port } })
    try {
      const client = await connectTo(dead.port)
      client.on('error', () => undefined)
      client.write('hello')
      // Closed, not refused: the proxy had accepted it before the service refused the proxy.
      await once(client, 'end')
      await expect.poll(() => dead.connections).toBe(0)
      client.destroy()
    } finally {
      await dead.close()
    }
  })
})
