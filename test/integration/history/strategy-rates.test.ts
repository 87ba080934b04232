/**
 * Where the learned order comes from once the spool has been ingested: the rates file the ingest
 * writes from the store (PGlite), or a shared PostgreSQL read within a short timeout, falling back
 * to the file when that server is down. Both engines give the same rates for the same events.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunReport } from '../../../src/core/report.js'
import { recoveryRun } from './recovery-run.js'
import type { RecoveryRecord } from '../../../src/core/types.js'
import { flushSpool, recordRun, withHistoryStore } from '../../../src/history/record.js'
import {
  loadStrategyRates,
  orderRecoveries,
  RATES_FILE,
  readStrategyRates,
  type StrategyRate,
} from '../../../src/history/strategy-order.js'
import { freePort } from '../../../src/services/free-port.js'
import { startPostgres, type PgHandle } from '../../helpers/postgres.js'

// The ingest writes the rates file on the real clock: the runs are dated on it too.
const NOW = Date.now()
let server: PgHandle
let root: string

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'heal-rates-'))
  server = await startPostgres()
}, 180_000)
afterAll(async () => {
  await server?.close()
  if (root) rmSync(root, { recursive: true, force: true })
})

/** A pre-flight that found db down: pg_ctl failed, restart worked. */
function run(at: number, pgCtlOk: boolean): RunReport {
  const record = (strategy: string, ok: boolean, offset: number): RecoveryRecord => ({
    service: 'db',
    strategy,
    ok,
    trigger: 'preflight',
    startedAt: new Date(at + offset).toISOString(),
    durationMs: 100,
    requests: 1,
  })
  const recoveries = pgCtlOk
    ? [record('command:pg_ctl', true, 0)]
    : [record('command:pg_ctl', false, 0), record('restart', true, 200)]
  return recoveryRun(recoveries, new Date(at).toISOString())
}

async function recordRuns(dir: string, url?: string): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await recordRun(run(NOW - (10 - i) * 60_000, i === 9), {
      target: { dir, ...(url === undefined ? {} : { url }) },
      background: false,
      serviceKinds: { db: 'postgres' },
      runId: `run-${url === undefined ? 'e' : 's'}-${i}`,
    })
  }
}

const counts = (rates: StrategyRate[]) =>
  rates
    .map((r) => [r.serviceKind, r.errorType, r.strategy, r.attempts, r.successes])
    .sort((a, b) => String(a[2]).localeCompare(String(b[2])))

const EXPECTED = [
  ['postgres', 'probe.down', 'command:pg_ctl', 10, 1],
  ['postgres', 'probe.down', 'restart', 9, 9],
]

describe('rates after the spool is ingested', () => {
  it('embedded: the ingest writes the rates file; the next run learns from it without opening the store', async () => {
    const dir = join(root, 'embedded')
    await recordRuns(dir)
    const fromSpool = await loadStrategyRates({ dir }, { now: NOW })
    expect(counts(fromSpool)).toEqual(EXPECTED)
    expect(existsSync(join(dir, RATES_FILE))).toBe(false)

    await withHistoryStore({ dir }, (sql) => flushSpool({ dir }, sql), { lockDir: join(root, 'locks') })
    expect(readdirSync(join(dir, 'spool'))).toEqual([])
    const fromFile = await loadStrategyRates({ dir }, { now: NOW })
    expect(counts(fromFile)).toEqual(EXPECTED)
    // Same weights from the file as from the events themselves (within float noise).
    for (const r of fromFile) {
      const s = fromSpool.find((x) => x.strategy === r.strategy)!
      expect(r.weightedAttempts).toBeCloseTo(s.weightedAttempts, 3)
      expect(r.weightedSuccesses).toBeCloseTo(s.weightedSuccesses, 3)
    }
    const order = orderRecoveries([{ strategy: 'command:pg_ctl' }, { strategy: 'restart' }], fromFile, {
      serviceKind: 'postgres',
      errorType: 'probe.down',
    })
    expect(order.map((o) => [o.recovery.strategy, o.reason])).toEqual([
      ['restart', '100% of 9 past attempts'],
      ['command:pg_ctl', '10% of 10 past attempts'],
    ])
    // The file's weights keep decaying after it was written: a year later the prior is back.
    const later = await loadStrategyRates({ dir }, { now: NOW + 365 * 24 * 3_600_000 })
    expect(
      orderRecoveries([{ strategy: 'command:pg_ctl' }, { strategy: 'restart' }], later, {
        serviceKind: 'postgres',
      }).map((o) => o.recovery.strategy),
    ).toEqual(['command:pg_ctl', 'restart'])
  }, 120_000)

  it('shared: read from the server (same rates as PGlite), a server that is down costs at most the timeout', async () => {
    const dir = join(root, 'shared')
    await recordRuns(dir, server.url)
    expect(readdirSync(join(dir, 'spool'))).toEqual([])
    const fromServer = await loadStrategyRates({ dir, url: server.url }, { now: NOW })
    expect(counts(fromServer)).toEqual(EXPECTED)
    const embedded = await withHistoryStore(
      { dir: join(root, 'embedded') },
      (sql) => readStrategyRates(sql, NOW),
      {
        lockDir: join(root, 'locks'),
      },
    )
    expect(fromServer).toEqual(
      embedded.map((r) => ({
        ...r,
        weightedAttempts: expect.closeTo(r.weightedAttempts, 6),
        weightedSuccesses: expect.closeTo(r.weightedSuccesses, 6),
      })),
    )

    // Down: nothing listens there. The rates file the last flush wrote answers instead.
    const down = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`
    const t0 = performance.now()
    const fallback = await loadStrategyRates({ dir, url: down }, { now: NOW, timeoutMs: 500 })
    expect(performance.now() - t0).toBeLessThan(1_500)
    expect(counts(fallback)).toEqual(EXPECTED)
  }, 120_000)
})
