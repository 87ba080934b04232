/**
 * A real PostgreSQL killed for real (SIGKILL to the postmaster and its children, and pg_ctl -m
 * immediate), brought back by recoverService with a plain `pg_ctl start` command recovery; and a
 * server stuck in 57P03 that is waited for, not treated as down.
 */
import { execFile } from 'node:child_process'
import { appendFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { command, postgres, recoverService, waitUntilHealthy } from '../../../src/services/index.js'
import type { Service } from '../../../src/services/types.js'
import { queryOnce, startPostgres, type PgHandle } from '../../helpers/postgres.js'

const execFileAsync = promisify(execFile)

describe('recovering a real PostgreSQL with a command', () => {
  let db: PgHandle
  let service: Service
  const lines: string[] = []

  /** As root, pg_ctl must run as the postgres user: the same thing a user's recovery would do. */
  function asPostgres(argv: string[]): string[] {
    return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', ...argv] : argv
  }

  beforeAll(async () => {
    db = await startPostgres()
    await queryOnce(db.url, 'CREATE TABLE orders (id int PRIMARY KEY)')
    await queryOnce(db.url, 'INSERT INTO orders VALUES (1), (2)')
    const logFile = join(db.server.rootDir, 'pg_ctl.log')
    service = postgres({
      url: db.url,
      recover: [
        command(asPostgres([db.server.binaries.pg_ctl, '-D', db.dataDir, '-l', logFile, 'start', '-w'])),
      ],
    }).resolve({ name: 'db', key: 'services.db' })
  })
  afterAll(async () => {
    await db?.close()
  })

  it('after SIGKILL of the postmaster and its children, pg_ctl start brings it back', async () => {
    await db.killHard()
    expect((await service.probe()).state).toBe('down')

    const result = await recoverService(service, { trigger: 'preflight', log: (line) => lines.push(line) })

    expect(result.healthy).toBe(true)
    expect(result.records).toHaveLength(1)
    expect(result.records[0]).toMatchObject({
      service: 'db',
      strategy: process.getuid?.() === 0 ? 'command:runuser' : 'command:pg_ctl',
      ok: true,
      trigger: 'preflight',
      requests: 1,
    })
    expect(result.records[0]?.durationMs).toBeGreaterThan(0)
    expect(Date.parse(result.records[0]?.startedAt ?? '')).not.toBeNaN()
    expect(await queryOnce(db.url, 'SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 2 }])
    expect(lines.at(-1)).toMatch(/^db down — running .*pg_ctl -D .* start -w … healthy in \d+\.\d\d s$/)
  })

  it('after pg_ctl stop -m immediate, the same recovery brings it back', async () => {
    await db.stopImmediate()
    expect((await service.probe()).state).toBe('down')
    const result = await recoverService(service, { trigger: 'inline', log: () => undefined })
    expect(result.healthy).toBe(true)
    expect(await queryOnce(db.url, 'SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 2 }])
  })

  it('waits out a 57P03 window (a server not yet accepting connections) instead of calling it down', async () => {
    await db.stopImmediate()
    // A standby with hot_standby off answers every connection with 57P03 until it is promoted:
    // a recovery window that lasts exactly as long as the test wants.
    writeFileSync(join(db.dataDir, 'standby.signal'), '')
    appendFileSync(join(db.dataDir, 'postgresql.conf'), 'hot_standby = off\n')
    await db.server.spawn()
    // Until the postmaster listens, connections are refused (down); on a loaded machine that takes a while.
    let first = await service.probe()
    for (const deadline = Date.now() + 20_000; first.state === 'down' && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      first = await service.probe()
    }
    expect(first.state).toBe('starting')
    expect(first.detail).toMatch(/^57P03 /)

    const waiting = waitUntilHealthy(service, { timeoutMs: 30_000 })
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    const [program, ...args] = asPostgres([db.server.binaries.pg_ctl, 'promote', '-D', db.dataDir, '-w'])
    await execFileAsync(program as string, args)
    const waited = await waiting

    expect(waited.healthy).toBe(true)
    expect(waited.elapsedMs).toBeGreaterThanOrEqual(1_400)
    expect(waited.probes).toBeGreaterThan(3)
    expect(await queryOnce(db.url, 'SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 2 }])
  })
})
