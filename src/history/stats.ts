/**
 * What `vitest-heal stats` answers, as SQL over either store: the success rate of every strategy
 * per pattern, flaky tests with their rates, recent outages and the slowest recoveries. Every
 * ordering has a tie-breaker and every number a fixed type, so both stores give the same answer.
 */
import type { Sql } from './store.js'

export interface SuccessRateRow {
  pattern: string
  strategy: string
  attempts: number
  successes: number
  rate: number
  lastUsed: string
}

export interface FlakyTestRow {
  testKey: string
  /** Runs in which the test failed and then passed with nothing found down. */
  flakyRuns: number
  /** Runs recorded since the test first failed (its own first one included). */
  runs: number
  rate: number
}

export interface OutageRow {
  runId: string
  service: string
  at: string
  attempts: number
  recovered: boolean
  durationMs: number
  strategies: string
}

export interface SlowRecoveryRow {
  service: string
  strategy: string
  pattern: string
  durationMs: number
  ok: boolean
  at: string
  runId: string
}

export interface HistoryStats {
  runs: number
  events: { failures: number; recoveries: number }
  successRates: SuccessRateRow[]
  flakyTests: FlakyTestRow[]
  recentOutages: OutageRow[]
  slowestRecoveries: SlowRecoveryRow[]
}

const iso = (value: unknown): string =>
  (value instanceof Date ? value : new Date(String(value))).toISOString()

export async function readStats(sql: Sql, limit = 10): Promise<HistoryStats> {
  const [totals] = await sql.query<{ runs: number; failures: number; recoveries: number }>(
    `select (select count(*) from runs)::integer as runs,
            (select count(*) from test_failures)::integer as failures,
            (select count(*) from error_recovery_history)::integer as recoveries`,
  )
  const rates = await sql.query<Record<string, unknown>>(
    `select pattern_name, strategy_used, attempts, successes, success_rate, last_used
       from recovery_success_rates
      order by pattern_name, success_rate desc, attempts desc, strategy_used`,
  )
  const flakyTests = (await readFlakyTests(sql)).slice(0, limit)
  const outages = await sql.query<Record<string, unknown>>(
    `select run_id, service, min(created_at) as at, count(*)::integer as attempts, bool_or(success) as recovered,
            sum(duration_ms)::integer as duration_ms,
            string_agg(strategy_used, ', ' order by created_at, event_id) as strategies
       from error_recovery_history
      group by run_id, service
      order by min(created_at) desc, run_id, service
      limit $1`,
    [limit],
  )
  const slowest = await sql.query<Record<string, unknown>>(
    `select h.service, h.strategy_used, h.error_type, h.duration_ms, h.success, h.created_at, h.run_id
       from error_recovery_history h
      order by h.duration_ms desc, h.created_at desc, h.event_id
      limit $1`,
    [limit],
  )
  return {
    runs: Number(totals?.runs ?? 0),
    events: { failures: Number(totals?.failures ?? 0), recoveries: Number(totals?.recoveries ?? 0) },
    successRates: rates.map((r) => ({
      pattern: String(r.pattern_name),
      strategy: String(r.strategy_used),
      attempts: Number(r.attempts),
      successes: Number(r.successes),
      rate: Number(r.success_rate),
      lastUsed: iso(r.last_used),
    })),
    flakyTests,
    recentOutages: outages.map((r) => ({
      runId: String(r.run_id),
      service: String(r.service),
      at: iso(r.at),
      attempts: Number(r.attempts),
      recovered: r.recovered === true,
      durationMs: Number(r.duration_ms),
      strategies: String(r.strategies),
    })),
    slowestRecoveries: slowest.map((r) => ({
      service: String(r.service),
      strategy: String(r.strategy_used),
      pattern: String(r.error_type),
      durationMs: Number(r.duration_ms),
      ok: r.success === true,
      at: iso(r.created_at),
      runId: String(r.run_id),
    })),
  }
}

/**
 * Every test that ended `flaky` in some run, with its rate, highest first: for `stats` and for the
 * quarantine's known-flaky list (history/known-flaky.ts).
 */
export async function readFlakyTests(sql: Sql): Promise<FlakyTestRow[]> {
  // A test is flaky in a run when it ended `flaky` there; its rate is over the runs recorded since
  // it first failed, so a test that failed once long ago does not look flaky for ever.
  const flaky = await sql.query<Record<string, unknown>>(
    `with since as (
       -- per start time: how many runs started then or later (one window pass, not one count per test)
       select started_at, max(c)::integer as runs
         from (select started_at, count(*) over (order by started_at desc) as c from runs) s
        group by started_at),
     tests as (
       select test_key, min(created_at) as first_seen,
              -- a flaky outcome's first try failed: one attempt-1 row per flaky run, no distinct (a sort) needed
              (count(*) filter (where outcome = 'flaky' and attempt = 1))::integer as flaky_runs
         from test_failures
        where "where" = 'test'
        group by test_key
       having count(*) filter (where outcome = 'flaky') > 0)
     select t.test_key, t.flaky_runs, greatest(t.flaky_runs, coalesce(s.runs, 0))::integer as runs
       from tests t left join since s on s.started_at = t.first_seen`,
  )
  return flaky
    .map((r) => {
      const runs = Number(r.runs)
      const flakyRuns = Number(r.flaky_runs)
      return { testKey: String(r.test_key), flakyRuns, runs, rate: round(flakyRuns / runs) }
    })
    .sort((a, b) => b.rate - a.rate || b.flakyRuns - a.flakyRuns || a.testKey.localeCompare(b.testKey))
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000
}
