/**
 * One recovery across machines (issue 12): two runs in separate processes, each with its own
 * host-lock directory so only the advisory lock in the shared history database can serialise them,
 * both find the shared service down at once. Exactly one recovers it; the other waits and reuses
 * that recovery, recorded as `another process`. Without the history database both recover.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { advisoryKey, fleetLockKey, withFleetLock } from '../../../src/history/fleet-lock.js'
import { ROOT } from '../../e2e/harness.js'
import { startPostgres, type PgHandle } from '../../helpers/postgres.js'

const run = promisify(execFile)
const script = join(ROOT, 'test/integration/history/fixtures/fleet-recovery.mjs')
const dir = mkdtempSync(join(tmpdir(), 'heal-fleet-'))
let history: PgHandle

beforeAll(async () => {
  history = await startPostgres()
}, 60_000)
afterAll(async () => {
  await history?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Two machines heal the shared service at the same moment; how many recovered it, and what each says. */
async function twoMachines(name: string, historyUrl: string) {
  const marker = join(dir, `${name}.up`)
  const counter = join(dir, `${name}.recoveries`)
  const startAt = String(Date.now() + 1_500)
  const machine = (n: number) =>
    run(process.execPath, [script, join(ROOT, 'dist'), marker, counter, historyUrl, startAt], {
      env: { ...process.env, TMPDIR: mkdtempSync(join(dir, `host${n}-`)) },
      timeout: 60_000,
    }).then(({ stdout }) => JSON.parse(stdout) as { healthy: boolean; by: string | null })
  const results = await Promise.all([machine(1), machine(2)])
  const recoveries = readFileSync(counter, 'utf8').trim().split('\n').length
  return { results, recoveries }
}

describe('fleet lock', () => {
  test(
    'two machines sharing a service through a history database recover it once',
    { timeout: 90_000 },
    async () => {
      const { results, recoveries } = await twoMachines('shared', history.url)
      expect(recoveries).toBe(1)
      expect(results.every((r) => r.healthy)).toBe(true)
      expect(results.map((r) => r.by).sort()).toEqual(['another process', 'this run'])
    },
  )

  test(
    'without the history database, each machine recovers it (the lock above is what serialised them)',
    { timeout: 90_000 },
    async () => {
      const { recoveries } = await twoMachines('apart', 'none')
      expect(recoveries).toBe(2)
    },
  )

  test('a history database that is down costs the lock, never the recovery', async () => {
    const started = Date.now()
    const held = await withFleetLock('postgres://postgres@127.0.0.1:1/x', 'db:5432', async (h) => h, {
      timeoutMs: 5_000,
    })
    expect(held.skipped).toMatch(/ECONNREFUSED/)
    expect(held.contended).toBe(false)
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  test('a loopback target is one per machine; a network address is shared', () => {
    expect(fleetLockKey('127.0.0.1:5432', 'ci-1')).not.toBe(fleetLockKey('127.0.0.1:5432', 'ci-2'))
    expect(fleetLockKey('localhost:5432', 'ci-1')).toBe('ci-1/localhost:5432')
    expect(fleetLockKey('db.internal:5432', 'ci-1')).toBe(fleetLockKey('db.internal:5432', 'ci-2'))
    expect(advisoryKey('a')).toBe(advisoryKey('a'))
    expect(advisoryKey('a')).not.toBe(advisoryKey('b'))
  })
})
