/**
 * What the history says about each recovery strategy, read where it costs least, and the order a
 * service's recoveries are tried in because of it. Nothing here opens the embedded store: a run
 * reads `<history dir>/strategy-rates.json` (written by whoever ingests the spool, from the store's
 * whole history) plus the spool files not ingested yet. With a shared PostgreSQL it asks that
 * server, bounded by a short timeout, and falls back to the same file. It is read only when a
 * recovery is about to run, once per session: a run with no outage reads nothing.
 */
import { existsSync, readFileSync } from 'node:fs'
import { writeJsonWhole } from './json-file.js'
import { join } from 'node:path'
import {
  addTally,
  DEFAULT_HALF_LIFE_MS,
  decayWeight,
  rankStrategies,
  tallyAttempts,
  type RankedStrategy,
  type StrategyTally,
} from '../core/strategy-rank.js'
import { PROBE_DOWN_PATTERN, type RecoveryEvent } from './events.js'
import { readSpool } from './spool.js'
import type { Sql } from './store.js'

/** Per (service kind, error type, strategy): the record, weighted as of the time it was read. */
export interface StrategyRate extends StrategyTally {
  serviceKind: string
  errorType: string
  strategy: string
}

interface RatesFile {
  version: 1
  /** Epoch ms the weights were computed at: a reader decays them further from there. */
  asOf: number
  halfLifeMs: number
  rates: StrategyRate[]
}

export const RATES_FILE = 'strategy-rates.json'

/** A history server that does not answer by then is treated as absent: a recovery is waiting. */
export const SHARED_READ_TIMEOUT_MS = 1_000

export interface LearnTarget {
  /** Absolute history directory (the spool and the rates file live here). */
  dir: string
  url?: string
}

export interface LoadOptions {
  now?: number
  halfLifeMs?: number
  timeoutMs?: number
}

/** Every strategy's record in a store, with decay weights as of `now` (one small grouped query). */
export async function readStrategyRates(
  sql: Sql,
  now: number,
  halfLifeMs = DEFAULT_HALF_LIFE_MS,
): Promise<StrategyRate[]> {
  const rows = await sql.query<Record<string, unknown>>(
    `with h as (
       select coalesce(service_kind, '') as service_kind, error_type, strategy_used, success,
              power(0.5, greatest(0, extract(epoch from ($1::timestamptz - created_at)) * 1000) / $2::float8) as w
         from error_recovery_history)
     select service_kind, error_type, strategy_used, count(*)::integer as attempts,
            (count(*) filter (where success))::integer as successes,
            sum(w)::float8 as weighted_attempts,
            coalesce(sum(w) filter (where success), 0)::float8 as weighted_successes
       from h
      group by service_kind, error_type, strategy_used
      order by service_kind, error_type, strategy_used`,
    [new Date(now).toISOString(), halfLifeMs],
  )
  return rows.map((r) => ({
    serviceKind: String(r.service_kind),
    errorType: String(r.error_type),
    strategy: String(r.strategy_used),
    attempts: Number(r.attempts),
    successes: Number(r.successes),
    weightedAttempts: Number(r.weighted_attempts),
    weightedSuccesses: Number(r.weighted_successes),
  }))
}

/**
 * Writes the rates file from the store (after an ingest): the next run learns from the whole
 * history without opening the store. Written to a temporary name and renamed: a reader never sees
 * half a file.
 */
export async function writeRatesFile(dir: string, sql: Sql, now = Date.now()): Promise<void> {
  const file: RatesFile = {
    version: 1,
    asOf: now,
    halfLifeMs: DEFAULT_HALF_LIFE_MS,
    rates: await readStrategyRates(sql, now),
  }
  writeJsonWhole(join(dir, RATES_FILE), file)
}

/**
 * The records a run learns from: the shared store's (or, when it cannot be read in time, the rates
 * file's) plus the spool's recoveries not stored yet. Missing files and an unreachable server give
 * nothing, never an error: the configured order is then used unchanged.
 */
export async function loadStrategyRates(
  target: LearnTarget,
  options: LoadOptions = {},
): Promise<StrategyRate[]> {
  const now = options.now ?? Date.now()
  const halfLifeMs = options.halfLifeMs ?? DEFAULT_HALF_LIFE_MS
  const stored =
    (target.url === undefined
      ? undefined
      : await readShared(target.url, now, halfLifeMs, options.timeoutMs ?? SHARED_READ_TIMEOUT_MS)) ??
    readRatesFile(target.dir, now)
  return [...stored, ...spooledRates(target.dir, now, halfLifeMs)]
}

async function readShared(
  url: string,
  now: number,
  halfLifeMs: number,
  timeoutMs: number,
): Promise<StrategyRate[] | undefined> {
  const { readSharedWithin } = await import('./shared-store.js')
  return readSharedWithin(url, timeoutMs, (sql) => readStrategyRates(sql, now, halfLifeMs))
}

function readRatesFile(dir: string, now: number): StrategyRate[] {
  const path = join(dir, RATES_FILE)
  if (!existsSync(path)) return []
  try {
    const file = JSON.parse(readFileSync(path, 'utf8')) as Partial<RatesFile>
    if (file.version !== 1 || !Array.isArray(file.rates) || typeof file.asOf !== 'number') return []
    // Weights were computed at `asOf`; decay is a product, so the rest of the way is one factor.
    const factor = decayWeight(now - file.asOf, file.halfLifeMs ?? DEFAULT_HALF_LIFE_MS)
    return file.rates.map((r) => ({
      ...r,
      weightedAttempts: r.weightedAttempts * factor,
      weightedSuccesses: r.weightedSuccesses * factor,
    }))
  } catch {
    // A file cut short by a crash or edited by hand is not worth failing a recovery for.
    return []
  }
}

function spooledRates(dir: string, now: number, halfLifeMs: number): StrategyRate[] {
  const spool = join(dir, 'spool')
  if (!existsSync(spool)) return []
  const groups = new Map<string, { serviceKind: string; errorType: string; events: RecoveryEvent[] }>()
  for (const file of readSpool(spool)) {
    for (const event of file.events) {
      if (event.type !== 'recovery') continue
      const serviceKind = event.serviceKind ?? ''
      const key = JSON.stringify([serviceKind, event.errorType])
      const group = groups.get(key) ?? { serviceKind, errorType: event.errorType, events: [] }
      group.events.push(event)
      groups.set(key, group)
    }
  }
  return [...groups.values()].flatMap((group) => {
    const attempts = group.events.map((e) => ({ strategy: e.strategy, ok: e.ok, at: Date.parse(e.at) }))
    return [...tallyAttempts(attempts, now, halfLifeMs)].map(([strategy, tally]) => ({
      serviceKind: group.serviceKind,
      errorType: group.errorType,
      strategy,
      ...tally,
    }))
  })
}

/**
 * The error type a recovery is learned under: a pre-flight's is `probe.down` (what the history
 * records for it); during the run the session does not know which rule asked (one recovery answers
 * every test that saw the outage), so every error type of the service's kind counts.
 */
export function learnedErrorType(trigger: string): string | undefined {
  return trigger === 'preflight' || trigger === 'doctor' ? PROBE_DOWN_PATTERN : undefined
}

/** The configured strategies ranked on the records of this kind (and error type, when known). */
export function rankFromRates(
  configured: readonly string[],
  rates: readonly StrategyRate[],
  key: { serviceKind: string; errorType?: string },
): RankedStrategy[] {
  const tallies = new Map<string, StrategyTally>()
  for (const rate of rates) {
    if (rate.serviceKind !== key.serviceKind) continue
    if (key.errorType !== undefined && rate.errorType !== key.errorType) continue
    addTally(tallies, rate.strategy, rate)
  }
  return rankStrategies(configured, tallies)
}

/**
 * A service's recoveries in the learned order, each with its record as the reason. With no record
 * of any of them the configured order comes back unchanged and without reasons: nothing to explain.
 */
export function orderRecoveries<R extends { strategy: string }>(
  recoveries: readonly R[],
  rates: readonly StrategyRate[],
  key: { serviceKind: string; errorType?: string },
): { recovery: R; reason?: string }[] {
  const ranked = rankFromRates(
    recoveries.map((r) => r.strategy),
    rates,
    key,
  )
  if (ranked.every((r) => r.tally.attempts === 0)) return recoveries.map((recovery) => ({ recovery }))
  return ranked.map((r) => ({ recovery: recoveries[r.configuredIndex]!, reason: r.reason }))
}
