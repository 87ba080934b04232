/**
 * What both stores share: the SQL. A store is anything that runs PostgreSQL's SQL (`Sql`: PGlite or
 * a pg pool); migrating, seeding and writing events are written once, here, with parameters only
 * (events travel as one jsonb parameter per batch, expanded by `jsonb_to_recordset`).
 */
import type { FailureEvent, HistoryEvent, RecoveryEvent, RunEvent } from './events.js'
import { MIGRATION_LOCK_KEY, MIGRATIONS, seedPatterns, VERSION_TABLE_SQL, type Migration } from './schema.js'

export interface Sql {
  query<T extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>
  /** Several statements, no parameters (migrations). */
  exec(text: string): Promise<void>
  transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T>
  close(): Promise<void>
}

/** Events per statement: one jsonb parameter each, well under any message size limit. */
export const BATCH_SIZE = 2_000

/** Applies the migrations this database has not run yet, under a lock; returns the versions applied. */
export async function migrate(sql: Sql, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const applied = await sql.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY])
    await tx.exec(VERSION_TABLE_SQL)
    const done = new Set(
      (await tx.query<{ version: number }>('select version from heal_schema_migrations')).map(
        (r) => r.version,
      ),
    )
    const now: number[] = []
    for (const migration of migrations) {
      if (done.has(migration.version)) continue
      await tx.exec(migration.sql)
      await tx.query('insert into heal_schema_migrations (version, name) values ($1, $2)', [
        migration.version,
        migration.name,
      ])
      now.push(migration.version)
    }
    return now
  })
  // Every open: a rule added to the catalogue since the store was created becomes a pattern.
  await sql.query(
    `insert into error_patterns (pattern_name, error_signature, service_kind, verdict, category, recovery_strategies)
     select x.pattern_name, x.error_signature, x.service_kind, x.verdict, x.category, x.recovery_strategies
       from jsonb_to_recordset($1::jsonb) as x(pattern_name text, error_signature text, service_kind text,
            verdict text, category text, recovery_strategies jsonb)
     on conflict (pattern_name) do nothing`,
    [JSON.stringify(seedPatterns())],
  )
  return applied
}

export interface InsertResult {
  /** Rows really inserted; an event already stored (same id) is not counted again. */
  inserted: number
  offered: number
}

/** Writes the events in batches, each batch one transaction: a batch is stored whole or not at all. */
export async function insertEvents(sql: Sql, events: readonly HistoryEvent[]): Promise<InsertResult> {
  let inserted = 0
  for (let i = 0; i < events.length; i += BATCH_SIZE) {
    const batch = events.slice(i, i + BATCH_SIZE)
    inserted += await sql.transaction((tx) => insertBatch(tx, batch))
  }
  return { inserted, offered: events.length }
}

async function insertBatch(sql: Sql, events: readonly HistoryEvent[]): Promise<number> {
  const runs = events.filter((e): e is RunEvent => e.type === 'run')
  const failures = events.filter((e): e is FailureEvent => e.type === 'failure')
  const recoveries = events.filter((e): e is RecoveryEvent => e.type === 'recovery')
  let inserted = 0
  if (runs.length > 0) inserted += await count(sql, INSERT_RUNS, runs.map(runRow))
  if (failures.length > 0) inserted += await count(sql, INSERT_FAILURES, failures.map(failureRow))
  if (recoveries.length > 0) {
    // A user rule (or one newer than this store) triggered a recovery: it becomes a pattern too.
    const types = [...new Set(recoveries.map((r) => r.errorType))]
    await sql.query(
      `insert into error_patterns (pattern_name, error_signature, service_kind)
       select x.name, 'recorded by a run (not in the catalogue when the store was seeded)', x.kind
         from jsonb_to_recordset($1::jsonb) as x(name text, kind text)
       on conflict (pattern_name) do nothing`,
      [
        JSON.stringify(
          types.map((name) => ({ name, kind: recoveries.find((r) => r.errorType === name)?.serviceKind })),
        ),
      ],
    )
    inserted += await count(sql, INSERT_RECOVERIES, recoveries.map(recoveryRow))
  }
  return inserted
}

async function count(sql: Sql, statement: string, rows: object[]): Promise<number> {
  const result = await sql.query<{ n: number }>(statement, [JSON.stringify(rows)])
  return Number(result[0]?.n ?? 0)
}

const INSERT_RUNS = `with ins as (
  insert into runs (run_id, started_at, ended_at, outcome, total, passed, healed, flaky, failed, test_bug,
                    infra, skipped, vitest_version, ci_provider, ci_job, ci_commit)
  select x.* from jsonb_to_recordset($1::jsonb) as x(run_id text, started_at timestamptz, ended_at timestamptz,
         outcome text, total integer, passed integer, healed integer, flaky integer, failed integer,
         test_bug integer, infra integer, skipped integer, vitest_version text, ci_provider text, ci_job text,
         ci_commit text)
  on conflict (run_id) do nothing
  returning 1)
select count(*)::integer as n from ins`

const INSERT_FAILURES = `with ins as (
  insert into test_failures (event_id, run_id, test_key, project, file, name, test_index, "where", outcome,
                             verdict, rule, service, error_name, error_code, error_message, attempt, pass, created_at)
  select x.* from jsonb_to_recordset($1::jsonb) as x(event_id text, run_id text, test_key text, project text,
         file text, name text, test_index integer, "where" text, outcome text, verdict text, rule text,
         service text, error_name text, error_code text, error_message text, attempt integer, pass integer,
         created_at timestamptz)
  on conflict (event_id) do nothing
  returning 1)
select count(*)::integer as n from ins`

const INSERT_RECOVERIES = `with ins as (
  insert into error_recovery_history (event_id, pattern_id, run_id, service, service_kind, error_type,
                                      error_message, strategy_used, success, retry_count, duration_ms, context,
                                      created_at)
  select x.event_id, p.id, x.run_id, x.service, x.service_kind, x.error_type, x.error_message, x.strategy_used,
         x.success, x.retry_count, x.duration_ms, x.context, x.created_at
    from jsonb_to_recordset($1::jsonb) as x(event_id text, run_id text, service text, service_kind text,
         error_type text, error_message text, strategy_used text, success boolean, retry_count integer,
         duration_ms integer, context jsonb, created_at timestamptz)
    left join error_patterns p on p.pattern_name = x.error_type
  on conflict (event_id) do nothing
  returning 1)
select count(*)::integer as n from ins`

function runRow(e: RunEvent) {
  return {
    run_id: e.runId,
    started_at: e.startedAt,
    ended_at: e.endedAt,
    outcome: e.outcome,
    total: e.total,
    passed: e.passed,
    healed: e.healed,
    flaky: e.flaky,
    failed: e.failed,
    test_bug: e.testBug,
    infra: e.infra,
    skipped: e.skipped,
    vitest_version: e.vitestVersion,
    ci_provider: e.ci.provider,
    ci_job: e.ci.job ?? null,
    ci_commit: e.ci.commit ?? null,
  }
}

function failureRow(e: FailureEvent) {
  return {
    event_id: e.id,
    run_id: e.runId,
    test_key: e.testKey,
    project: e.project,
    file: e.file,
    name: e.name,
    test_index: e.index,
    where: e.where,
    outcome: e.outcome,
    verdict: e.verdict,
    rule: e.rule,
    service: e.service,
    error_name: e.errorName,
    error_code: e.errorCode,
    error_message: e.message,
    attempt: e.attempt,
    pass: e.pass,
    created_at: e.at,
  }
}

function recoveryRow(e: RecoveryEvent) {
  return {
    event_id: e.id,
    run_id: e.runId,
    service: e.service,
    service_kind: e.serviceKind,
    error_type: e.errorType,
    error_message: e.error,
    strategy_used: e.strategy,
    success: e.ok,
    retry_count: e.retryCount,
    duration_ms: e.durationMs,
    context: { trigger: e.trigger, requests: e.requests, ci: e.ci },
    created_at: e.at,
  }
}
