/**
 * One schema, two engines: the same migrations on PGlite and on a real PostgreSQL 15, fed the same
 * events, must give the same answers (stats and the trigger-kept pattern statistics), and an
 * event sent twice must count once.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { openEmbeddedSql } from '../../../src/history/embedded-store.js'
import { eventsFromReport, type HistoryEvent } from '../../../src/history/events.js'
import { MIGRATIONS } from '../../../src/history/schema.js'
import { openSharedSql } from '../../../src/history/shared-store.js'
import { readStats } from '../../../src/history/stats.js'
import { insertEvents, migrate, type Sql } from '../../../src/history/store.js'
import { startPostgres, type PgHandle } from '../../helpers/postgres.js'
import { greenReport, outageReport } from '../../unit/history/reports.js'

let server: PgHandle
let dir: string
const stores: { name: string; sql: Sql }[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'heal-history-'))
  server = await startPostgres()
  stores.push({ name: 'postgres', sql: await openSharedSql(server.url) })
  stores.push({ name: 'pglite', sql: await openEmbeddedSql(join(dir, 'db')) })
}, 180_000)

afterAll(async () => {
  for (const { sql } of stores) await sql.close().catch(() => undefined)
  await server?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

function history(): HistoryEvent[] {
  const ci = { provider: 'github', job: 'ci/test/1', commit: 'abc' }
  const kinds = { db: 'postgres' }
  const reports = [
    greenReport('2026-11-01T10:00:00.000Z'),
    outageReport('2026-11-01T11:00:00.000Z', { flaky: true }),
    outageReport('2026-11-01T12:00:00.000Z', { recovered: false }),
    greenReport('2026-11-01T13:00:00.000Z'),
    outageReport('2026-11-01T14:00:00.000Z', { flaky: true }),
  ]
  return reports.flatMap((report, i) =>
    eventsFromReport(report, { runId: `run-${i}`, ci, serviceKinds: kinds }),
  )
}

describe.each(['postgres', 'pglite'])('%s', (name) => {
  const sql = () => stores.find((s) => s.name === name)!.sql

  test('migrations are versioned and idempotent', async () => {
    expect(await migrate(sql())).toEqual(MIGRATIONS.map((m) => m.version))
    expect(await migrate(sql())).toEqual([])
    const [patterns] = await sql().query<{ n: number }>('select count(*)::integer as n from error_patterns')
    expect(patterns!.n).toBeGreaterThan(50)
    const browserEra = await sql().query<{ pattern_name: string; recovery_strategies: string[] }>(
      `select pattern_name, recovery_strategies from error_patterns
        where pattern_name in ('element_not_found', 'timeout', 'page_load_failure', 'action_execution_failure',
                               'network_error', 'security_challenge') order by pattern_name`,
    )
    expect(browserEra.map((p) => p.pattern_name)).toHaveLength(6)
    expect(browserEra.every((p) => p.recovery_strategies.length > 0)).toBe(true)
  })

  test('events are stored once, however often they are sent', async () => {
    const events = history()
    const first = await insertEvents(sql(), events)
    expect(first).toEqual({ inserted: events.length, offered: events.length })
    expect(await insertEvents(sql(), events)).toEqual({ inserted: 0, offered: events.length })
    const stats = await readStats(sql())
    expect(stats.runs).toBe(5)
    expect(stats.events).toEqual({ failures: 8, recoveries: 5 })
  })

  test('the trigger keeps the pattern statistics, counting a re-sent event once', async () => {
    const [pattern] = await sql().query<Record<string, unknown>>(
      `select total_attempts, successful_attempts, success_rate from error_patterns where pattern_name = 'pg.admin-shutdown'`,
    )
    expect(pattern).toEqual({ total_attempts: 5, successful_attempts: 2, success_rate: 0.4 })
  })
})

test('both stores give the same answers', async () => {
  const [postgres, pglite] = await Promise.all(stores.map((s) => readStats(s.sql)))
  expect(pglite).toEqual(postgres)
  const patternsOf = (sql: Sql) =>
    sql.query(
      `select pattern_name, error_signature, service_kind, verdict, category, recovery_strategies, success_rate,
              total_attempts, successful_attempts from error_patterns order by pattern_name`,
    )
  expect(await patternsOf(stores[1]!.sql)).toEqual(await patternsOf(stores[0]!.sql))
  // And the answers are the ones the events say.
  expect(postgres!.successRates).toEqual([
    expect.objectContaining({
      pattern: 'pg.admin-shutdown',
      strategy: 'pg_ctl',
      attempts: 2,
      successes: 2,
      rate: 1,
    }),
    expect.objectContaining({
      pattern: 'pg.admin-shutdown',
      strategy: 'restart',
      attempts: 3,
      successes: 0,
      rate: 0,
    }),
  ])
  expect(postgres!.flakyTests).toEqual([
    { testKey: '::test/cart.test.ts::cart > total::1', flakyRuns: 2, runs: 4, rate: 0.5 },
  ])
  expect(postgres!.recentOutages[0]).toMatchObject({
    runId: 'run-4',
    service: 'db',
    attempts: 2,
    recovered: true,
    strategies: 'restart, pg_ctl',
  })
  expect(postgres!.slowestRecoveries[0]).toMatchObject({ strategy: 'restart', durationMs: 250 })
})
