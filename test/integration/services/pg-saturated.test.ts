/**
 * A full PostgreSQL is not a dead one. A real server started with a small max_connections, its
 * slots taken by idle clients (a test that leaks connections): 53300 is saturated, not down, so
 * nothing is restarted (the clients of every other test would die) and no recovery command runs.
 */
import pg from 'pg'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { resolveOptions } from '../../../src/config.js'
import { probePostgres } from '../../../src/services/pg-probe.js'
import { command, pgTerminateIdle, postgres } from '../../../src/services/index.js'
import { HealSession } from '../../../src/session/session.js'
import { queryOnce, startPostgres, type PgHandle } from '../../helpers/postgres.js'

const leaked: pg.Client[] = []
const handles: PgHandle[] = []
const sessions: HealSession[] = []

/** Takes `count` connection slots and keeps them open, idle. */
async function leak(url: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const client = new pg.Client({ connectionString: url })
    client.on('error', () => undefined)
    await client.connect()
    leaked.push(client)
  }
}

afterEach(async () => {
  await Promise.all(leaked.splice(0).map((client) => client.end().catch(() => undefined)))
})
afterAll(async () => {
  for (const session of sessions) await session.teardown()
  for (const handle of handles) await handle.close()
})

async function fullServer(settings: Record<string, number>): Promise<PgHandle> {
  const handle = await startPostgres({ settings })
  handles.push(handle)
  return handle
}

function sessionOf(service: ReturnType<typeof postgres>): HealSession {
  const session = new HealSession(
    // The sampler keeps a connection of its own, one of the slots these tests fill.
    resolveOptions({ status: false, hostLock: false, predict: false, services: { db: service } }),
  )
  sessions.push(session)
  return session
}

describe('a PostgreSQL with every connection slot taken (53300)', () => {
  it('is probed saturated, not down, and the count is given when it can be read', async () => {
    const db = await fullServer({ max_connections: 4, superuser_reserved_connections: 0 })
    await leak(db.url, 4)
    const refused = await probePostgres(db.url, 2_000)
    expect(refused).toMatchObject({ state: 'healthy', saturated: true })
    expect(refused.detail).toMatch(/^saturated: 53300 sorry, too many clients already/)

    // A superuser slot left: the probe gets in and reads how full the server is.
    const counted = await fullServer({ max_connections: 4, superuser_reserved_connections: 1 })
    await leak(counted.url, 3)
    const read = await probePostgres(counted.url, 2_000)
    expect(read).toMatchObject({ state: 'healthy', saturated: true })
    expect(read.detail).toBe('saturated: 4 of 4 connections in use (1 reserved for superusers)')
    await Promise.all(leaked.splice(0).map((client) => client.end()))
    expect(await probePostgres(counted.url, 2_000)).toMatchObject({ state: 'healthy', detail: 'SELECT 1 ok' })
    // A role that may not read pg_stat_activity (42501) is still answered: the probe falls back to SELECT 1.
    await queryOnce(counted.url, "CREATE ROLE probe LOGIN PASSWORD 'probe-pw'")
    await queryOnce(counted.url, 'REVOKE SELECT ON pg_catalog.pg_stat_activity FROM PUBLIC')
    const probeUrl = counted.url.replace('postgres@', 'probe:probe-pw@')
    expect(await probePostgres(probeUrl, 2_000)).toMatchObject({ state: 'healthy', detail: 'SELECT 1 ok' })
  })

  it('an external one: its recovery command does not run and it is not declared broken', async () => {
    const db = await fullServer({ max_connections: 4, superuser_reserved_connections: 0 })
    const session = sessionOf(postgres({ url: db.url, recover: [command(['false'])] }))
    await leak(db.url, 4)
    const result = await session.heal('db', { failedAt: Date.now(), trigger: 'inline' })
    expect(result).toMatchObject({ healthy: true, recovered: false, outage: false })
    expect(result.saturated).toMatch(/53300 sorry, too many clients already/)
    expect(session.allRecords()).toEqual([])
    expect(session.coordinator.isBroken('db')).toBe(false)
  })

  it('an owned one is not restarted: the clients holding the slots live on', async () => {
    const session = sessionOf(
      postgres({ local: { settings: { max_connections: 4, superuser_reserved_connections: 0 } } }),
    )
    await session.preflight()
    const url = session.options.services[0]!.url()!
    await leak(url, 4)
    const result = await session.heal('db', { failedAt: Date.now(), trigger: 'inline' })
    expect(result).toMatchObject({ healthy: true, recovered: false, outage: false })
    expect(session.allRecords()).toEqual([])
    const rows = await Promise.all(leaked.map((client) => client.query('SELECT 1 AS one')))
    expect(rows.map((r) => r.rows[0])).toEqual(leaked.map(() => ({ one: 1 })))
  })

  it('pgTerminateIdle(), when configured, ends the idle sessions (ours spared) and nothing else runs', async () => {
    // The tests' role holds the non-reserved slots; the relief connects as a superuser, in a reserved one.
    const db = await fullServer({ max_connections: 5, superuser_reserved_connections: 2 })
    await queryOnce(db.url, "CREATE ROLE app LOGIN PASSWORD 'app-pw'")
    const appUrl = db.url.replace('postgres@', 'app:app-pw@')
    const session = sessionOf(
      postgres({ url: appUrl, recover: [command(['false']), pgTerminateIdle({ url: db.url })] }),
    )
    expect(session.options.services[0]!.recoveries.map((r) => r.strategy)).toEqual(['command:false'])
    await leak(appUrl, 3)
    expect(await probePostgres(appUrl, 2_000)).toMatchObject({ state: 'healthy', saturated: true })

    const result = await session.heal('db', { failedAt: Date.now(), trigger: 'inline' })
    expect(result).toMatchObject({ healthy: true, recovered: false, outage: false })
    expect(session.allRecords()).toEqual([
      expect.objectContaining({ service: 'db', strategy: 'pg_terminate_idle', ok: true, trigger: 'inline' }),
    ])
    expect(await probePostgres(appUrl, 2_000)).toMatchObject({ state: 'healthy', detail: 'SELECT 1 ok' })
    const ended = await Promise.allSettled(leaked.map((client) => client.query('SELECT 1')))
    expect(ended.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected'])
  })
})
