import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { queryOnce, startPostgres, type PgHandle } from '../../helpers/postgres.js'
import { isProcessAlive } from '../../../src/services/proc.js'

describe('the PostgreSQL test harness', () => {
  let db: PgHandle
  beforeAll(async () => {
    db = await startPostgres()
  })
  afterAll(async () => {
    await db?.close()
  })

  it('starts a real server that answers queries', async () => {
    const rows = await queryOnce<{ answer: number }>(db.url, 'SELECT 41 + 1 AS answer')
    expect(rows).toEqual([{ answer: 42 }])
    expect(db.url).toBe(`postgres://postgres@127.0.0.1:${db.port}/postgres`)
  })

  it('killHard leaves no process behind and refuses connections; start brings the same data back', async () => {
    await queryOnce(db.url, 'CREATE TABLE kept (n int)')
    await queryOnce(db.url, 'INSERT INTO kept VALUES (7)')
    const pid = db.pid() as number
    await db.killHard()
    expect(isProcessAlive(pid)).toBe(false)
    await expect(queryOnce(db.url, 'SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' })

    await db.start()
    expect(db.pid()).not.toBe(pid)
    expect(await queryOnce(db.url, 'SELECT n FROM kept')).toEqual([{ n: 7 }])
  })

  it('stopImmediate stops it the way pg_ctl -m immediate does, and start recovers', async () => {
    await db.stopImmediate()
    await expect(queryOnce(db.url, 'SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    await db.start()
    expect(await queryOnce(db.url, 'SELECT n FROM kept')).toEqual([{ n: 7 }])
  })

  it('start clears lock files a dead postmaster left behind', async () => {
    await db.killHard()
    // A lock naming a pid that no longer exists is what a crash leaves when the pid was reused or reaped late.
    const socketLock = join(db.server.socketDir, `.s.PGSQL.${db.port}.lock`)
    writeFileSync(join(db.dataDir, 'postmaster.pid'), '999999\n')
    writeFileSync(socketLock, '999999\n')
    await db.start()
    expect(await queryOnce(db.url, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }])
    expect(readFileSync(socketLock, 'utf8').split('\n')[0]).toBe(String(db.pid()))
  })
})
