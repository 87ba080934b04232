/**
 * The fault proxy with no toxic, against real peers: a real PostgreSQL queried through it (a large
 * result byte for byte), a TCP echo server (order, half-close, backpressure with a slow reader).
 */
import { createHash, randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFaultProxy, type FaultProxy } from '../../../src/chaos/proxy.js'
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
})
