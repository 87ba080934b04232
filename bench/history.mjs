/**
 * bench/history (issue 12): what the history costs and how fast it answers.
 * - batched insert rate into a real PostgreSQL 15 (target ≥ 5,000 events/s), median of rounds;
 * - the same into the embedded store (PGlite), and its open (first, then reopen);
 * - `stats` over 1,000,000 events in PostgreSQL (target ≤ 1 s), median of rounds — the events are
 *   generated inside the server (generate_series) so loading them does not take the bench's minutes;
 * - what a green 2,000-test run pays to record itself: events derived + one spool file written and
 *   fsync'd (a green run opens no store).
 * Figures, not gates: the machine's load moves them; each says plainly when a target is missed.
 *
 *   npm run build && node bench/history.mjs [--rounds=5] [--batch-events=20000] [--events=1000000]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { importDist } from './lib/dist.mjs'
import { startPostgres } from './lib/postgres.mjs'
import { countFlag, flags, machineLoad, median, seconds } from './lib/stats.mjs'

const options = flags()
const rounds = countFlag(options, 'rounds', 5)
const batchEvents = countFlag(options, 'batch-events', 20_000)
const bigEvents = countFlag(options, 'events', 1_000_000)

const { insertEvents, migrate } = await importDist('history/store.js')
const { openSharedSql } = await importDist('history/shared-store.js')
const { openEmbeddedSql } = await importDist('history/embedded-store.js')
const { readStats } = await importDist('history/stats.js')
const { eventsFromReport } = await importDist('history/events.js')
const { appendToSpool } = await importDist('history/spool.js')

const spread = (values) => `min ${Math.min(...values).toFixed(0)}, max ${Math.max(...values).toFixed(0)}`
const say = (value, target, better) => (better(value, target) ? 'met' : 'NOT met')

/** Failures and recoveries in the proportions an outage gives: 3 failures per recovery. */
function syntheticEvents(round, count) {
  const events = []
  for (let i = 0; i < count; i++) {
    const runId = `bench-${round}-${Math.floor(i / 50)}`
    const at = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString()
    if (i % 4 === 3) {
      events.push({
        type: 'recovery',
        id: `${runId}/r/${i}`,
        runId,
        at,
        service: 'db',
        serviceKind: 'postgres',
        errorType: i % 8 === 3 ? 'pg.admin-shutdown' : 'net.econnrefused',
        strategy: i % 3 ? 'pg_ctl' : 'restart',
        ok: i % 5 !== 0,
        durationMs: 100 + (i % 400),
        trigger: 'inline',
        retryCount: 0,
        requests: 2,
        error: null,
        ci: { provider: 'local' },
      })
    } else {
      events.push({
        type: 'failure',
        id: `${runId}/f/${i}`,
        runId,
        at,
        testKey: `::test/t${i % 200}.test.ts::case ${i % 2000}`,
        project: null,
        file: `test/t${i % 200}.test.ts`,
        name: `case ${i % 2000}`,
        index: 0,
        where: 'test',
        outcome: i % 7 ? 'healed' : 'flaky',
        verdict: 'infra',
        rule: 'pg.admin-shutdown',
        service: 'db',
        errorName: 'error',
        errorCode: '57P01',
        message: 'terminating connection due to administrator command',
        attempt: 1,
        pass: 1,
      })
    }
  }
  return events
}

async function insertRate(sql, label, count) {
  await migrate(sql)
  const rates = []
  for (let round = 0; round < rounds; round++) {
    const events = syntheticEvents(`${label}${round}`, count)
    const started = performance.now()
    const { inserted } = await insertEvents(sql, events)
    const ms = performance.now() - started
    if (inserted !== count) throw new Error(`${label}: ${inserted} of ${count} inserted`)
    rates.push((count / ms) * 1000)
  }
  return rates
}

console.log(`history: ${rounds} rounds; ${machineLoad()}`)

// 1. PostgreSQL: batched inserts.
const server = await startPostgres()
try {
  const sql = await openSharedSql(server.url)
  const rates = await insertRate(sql, 'pg', batchEvents)
  const rate = median(rates)
  console.log(
    `insert into PostgreSQL 15: ${rate.toFixed(0)} events/s median (${spread(rates)}; ${batchEvents} events a round, batches of 2,000) — target ≥ 5,000: ${say(rate, 5000, (a, b) => a >= b)}`,
  )

  // 3. stats over a million events, generated in the server: 3 failures per recovery, 2,000 tests, 20,000 runs.
  const started = performance.now()
  await sql.exec(`
    insert into runs (run_id, started_at, ended_at, outcome, total, passed, healed, flaky, failed, test_bug, infra, skipped, ci_provider)
    select 'big-' || r, timestamp '2025-01-01' + r * interval '1 minute', timestamp '2025-01-01' + r * interval '1 minute' + interval '30 seconds',
           'passed', 2000, 2000, 0, 0, 0, 0, 0, 0, 'local'
      from generate_series(1, ${bigEvents / 50}) r;
    insert into test_failures (event_id, run_id, test_key, file, name, "where", outcome, verdict, rule, service, error_name, error_code, error_message, attempt, pass, created_at)
    select 'big-f-' || i, 'big-' || (i / 50 + 1), '::test/t' || (i % 200) || '.test.ts::case ' || (i % 2000), 'test/t' || (i % 200) || '.test.ts',
           'case ' || (i % 2000), 'test', case when i % 7 = 0 then 'flaky' else 'healed' end, 'infra', 'pg.admin-shutdown', 'db', 'error', '57P01',
           'terminating connection due to administrator command', 1, 1, timestamp '2025-01-01' + (i / 50 + 1) * interval '1 minute'
      from generate_series(1, ${(bigEvents * 3) / 4}) i;
    insert into error_recovery_history (event_id, pattern_id, run_id, service, service_kind, error_type, strategy_used, success, duration_ms, created_at)
    select 'big-r-' || i, (select id from error_patterns where pattern_name = case when i % 2 = 0 then 'pg.admin-shutdown' else 'net.econnrefused' end),
           'big-' || (i / 12 + 1), 'db', 'postgres', case when i % 2 = 0 then 'pg.admin-shutdown' else 'net.econnrefused' end,
           case when i % 3 = 0 then 'restart' else 'pg_ctl' end, i % 5 <> 0, 100 + i % 400, timestamp '2025-01-01' + i * interval '5 seconds'
      from generate_series(1, ${bigEvents / 4}) i;
    analyze;
  `)
  const loadMs = performance.now() - started
  const times = []
  let stats
  for (let round = 0; round < rounds; round++) {
    const t = performance.now()
    stats = await readStats(sql)
    times.push(performance.now() - t)
  }
  const statsMs = median(times)
  const total = stats.events.failures + stats.events.recoveries
  console.log(
    `stats over ${total.toLocaleString('en')} events (${stats.runs.toLocaleString('en')} runs) in PostgreSQL: ${seconds(statsMs)} median (${spread(times)} ms; loaded in ${seconds(loadMs)}) — target ≤ 1 s: ${say(statsMs, 1000, (a, b) => a <= b)}`,
  )
  await sql.close()
} finally {
  await server.destroy()
}

// 2. The embedded store.
const dir = mkdtempSync(join(tmpdir(), 'heal-bench-history-'))
try {
  let t = performance.now()
  let sql = await openEmbeddedSql(join(dir, 'db'))
  await migrate(sql)
  const firstOpen = performance.now() - t
  await sql.close()
  t = performance.now()
  sql = await openEmbeddedSql(join(dir, 'db'))
  await migrate(sql)
  const reopen = performance.now() - t
  const count = Math.min(batchEvents, 10_000)
  const rates = await insertRate(sql, 'pglite', count)
  console.log(
    `insert into PGlite: ${median(rates).toFixed(0)} events/s median (${spread(rates)}; ${count} events a round); open + migrate: first ${seconds(firstOpen)}, reopen ${seconds(reopen)}`,
  )
  await sql.close()
} finally {
  rmSync(dir, { recursive: true, force: true })
}

// 4. A green 2,000-test run: what recording adds at its end (no store is opened on this path).
const tests = Array.from({ length: 2000 }, (_, i) => ({
  file: `test/t${i % 100}.test.ts`,
  name: `case ${i}`,
  outcome: 'passed',
  cause: null,
  service: null,
  rule: null,
  attempts: 1,
}))
const report = {
  version: 1,
  outcome: 'passed',
  summary: { total: 2000, passed: 2000, healed: 0, flaky: 0, failed: 0, testBug: 0, infra: 0, skipped: 0 },
  tests,
  recoveries: [],
  startedAt: new Date().toISOString(),
  durationMs: 9000,
}
const spoolDir = mkdtempSync(join(tmpdir(), 'heal-bench-spool-'))
try {
  const times = []
  for (let round = 0; round < Math.max(rounds, 20); round++) {
    const t = performance.now()
    appendToSpool(
      spoolDir,
      `green-${round}`,
      eventsFromReport(report, { runId: `green-${round}`, ci: { provider: 'local' } }),
    )
    times.push(performance.now() - t)
  }
  console.log(
    `a green 2,000-test run records itself in ${median(times).toFixed(2)} ms median (${spread(times)} ms): events derived, one spool file written and fsync'd; no store opened`,
  )
} finally {
  rmSync(spoolDir, { recursive: true, force: true })
}
