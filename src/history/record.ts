/**
 * Recording a run: its events go to the spool at once (cheap, on every run), and into a store when
 * it is worth one. A shared PostgreSQL is written at the end of every run (a connection is cheap
 * there; an unreachable one fails fast and leaves the spool for the next run). The embedded store
 * costs a PGlite start (0.4–3 s), so a green run never opens it: a run with failures or recoveries
 * hands the spool to a detached process that ingests it after the run has exited (once the store
 * exists), and `vitest-heal stats` creates the store and ingests whatever is left before it answers.
 */
import { randomBytes } from 'node:crypto'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ResolvedOptions } from '../config.js'
import { redactSecrets } from '../core/redact.js'
import type { RunReport } from '../core/report.js'
import { withHostLock } from '../coordinator/host-lock.js'
import { ciContext } from './ci.js'
import { eventsFromReport, type HistoryEvent } from './events.js'
import { appendToSpool, countSpoolFiles, readSpool, removeSpoolFile } from './spool.js'
import { insertEvents, migrate, type Sql } from './store.js'
import { KNOWN_FLAKY_FILE, writeKnownFlakyFile } from './known-flaky.js'
import { RATES_FILE, writeRatesFile } from './strategy-order.js'

/** Where a run's history goes: `url` a shared PostgreSQL, else the embedded store in `dir`. */
export interface HistoryTarget {
  /** Absolute: the spool always lives here, and the embedded store too when there is no `url`. */
  dir: string
  url?: string
}

export const historyPaths = (dir: string) => ({ spool: join(dir, 'spool'), data: join(dir, 'db') })

/** The embedded store's writer waits this long for another process on the host to finish. */
const DEFAULT_LOCK_TIMEOUT_MS = 120_000

/** Opens the store (migrated), runs `fn`, closes it; the embedded one under the host lock. */
export async function withHistoryStore<T>(
  target: HistoryTarget,
  fn: (sql: Sql) => Promise<T>,
  options: { lockTimeoutMs?: number; lockDir?: string } = {},
): Promise<T> {
  const run = async (open: () => Promise<Sql>) => {
    const sql = await open()
    try {
      await migrate(sql)
      return await fn(sql)
    } finally {
      await sql.close()
    }
  }
  if (target.url !== undefined) {
    const url = target.url
    const { openSharedSql } = await import('./shared-store.js')
    return run(() => openSharedSql(url))
  }
  const data = historyPaths(target.dir).data
  const { openEmbeddedSql } = await import('./embedded-store.js')
  // PGlite's data directory has one writer at a time: the host lock every vitest process shares.
  return withHostLock(`history:${data}`, () => run(() => openEmbeddedSql(data)), {
    timeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    ...(options.lockDir === undefined ? {} : { dir: options.lockDir }),
  })
}

export interface FlushResult {
  files: number
  offered: number
  inserted: number
}

/** Writes every spool file into the store; a file goes only once its events are committed. */
export async function flushSpool(target: HistoryTarget, sql: Sql): Promise<FlushResult> {
  const result: FlushResult = { files: 0, offered: 0, inserted: 0 }
  let recoveries = false
  for (const file of readSpool(historyPaths(target.dir).spool)) {
    const { inserted, offered } = await insertEvents(sql, file.events)
    removeSpoolFile(file.path)
    recoveries ||= file.events.some((event) => event.type === 'recovery')
    result.files++
    result.offered += offered
    result.inserted += inserted
  }
  // What the next run's recoveries learn from without opening the store (strategy-order.ts).
  if (recoveries || !existsSync(join(target.dir, RATES_FILE)))
    await writeRatesFile(target.dir, sql).catch(() => undefined)
  // What the next run's quarantine knows (known-flaky.ts): any run may have made a test flaky.
  if (result.files > 0 || !existsSync(join(target.dir, KNOWN_FLAKY_FILE)))
    await writeKnownFlakyFile(target.dir, sql).catch(() => undefined)
  return result
}

export interface RecordOptions {
  target: HistoryTarget
  serviceKinds?: Readonly<Record<string, string>>
  redact?: readonly RegExp[]
  env?: Readonly<Record<string, string | undefined>>
  /** Embedded store: ingest in a detached process after the run (default true when dist is there). */
  background?: boolean
  runId?: string
}

export interface RecordResult {
  runId: string
  events: number
  spooled: string
  /** `shared`: written to the shared store now; `background`: handed to a detached ingest; `spool`: left there. */
  stored: 'shared' | 'background' | 'spool'
  /** Why the shared store could not be written (the events wait in the spool). */
  error?: string
}

/** Ids sort by time, so the spool replays runs in order. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`
}

export async function recordRun(report: RunReport, options: RecordOptions): Promise<RecordResult> {
  const runId = options.runId ?? newRunId()
  const events = eventsFromReport(report, {
    runId,
    ci: ciContext(options.env ?? process.env),
    ...(options.serviceKinds ? { serviceKinds: options.serviceKinds } : {}),
    ...(options.redact ? { redact: options.redact } : {}),
  })
  const spooled = appendToSpool(historyPaths(options.target.dir).spool, runId, events)
  const base = { runId, events: events.length, spooled }
  if (options.target.url !== undefined) {
    try {
      await withHistoryStore(options.target, (sql) => flushSpool(options.target, sql))
      return { ...base, stored: 'shared' }
    } catch (error) {
      return { ...base, stored: 'spool', error: error instanceof Error ? error.message : String(error) }
    }
  }
  // A project run this often since the last ingest is no throwaway: its spool (green runs too) goes
  // into a store, created if need be, or it would grow for ever and every reader with it.
  const crowded = countSpoolFiles(historyPaths(options.target.dir).spool) >= SPOOL_FILES_FOR_A_STORE
  if (
    (crowded || worthAStore(events)) &&
    options.background !== false &&
    ingestInBackground(options.target.dir, crowded)
  ) {
    return { ...base, stored: 'background' }
  }
  return { ...base, stored: 'spool' }
}

/** A run with nothing but passes adds only a run row: it can wait in the spool for the next ingest. */
function worthAStore(events: readonly HistoryEvent[]): boolean {
  return events.some((event) => event.type !== 'run')
}

/** Spool files (runs) that make a run ingest them, creating the embedded store when there is none. */
export const SPOOL_FILES_FOR_A_STORE = 100

function ingestInBackground(dir: string, create: boolean): boolean {
  // Creating the store (PGlite's initdb, ~3 s of CPU) is left to `stats` or a crowded spool: a run
  // only adds to a store that exists, for a reopen's ~0.4 s, so fresh checkouts and throwaway
  // projects never pay it.
  if (!create && !existsSync(join(historyPaths(dir).data, 'PG_VERSION'))) return false
  const script = fileURLToPath(new URL('./ingest-main.js', import.meta.url))
  // Run from src/ (unit tests) there is no compiled entry: the spool waits for `stats`.
  if (!existsSync(script)) return false
  const child = spawn(process.execPath, [script, dir], { detached: true, stdio: 'ignore' })
  child.on('error', () => undefined)
  child.unref()
  return true
}

/**
 * The run controller's one call after a run's report is built: records it as the options say, and
 * never fails the run — a history that cannot be written says so in one line, its events kept.
 */
export async function recordHistory(
  report: RunReport,
  options: Pick<ResolvedOptions, 'history' | 'services' | 'redact'> | undefined,
  root: string,
  stderr: Pick<NodeJS.WritableStream, 'write'> = process.stderr,
): Promise<RecordResult | undefined> {
  if (!options || options.history === false) return undefined
  const target: HistoryTarget = { dir: resolve(root, options.history.dir) }
  if (options.history.url !== undefined) target.url = options.history.url
  try {
    const result = await recordRun(report, {
      target,
      serviceKinds: Object.fromEntries(options.services.map((s) => [s.name, s.kind])),
      redact: options.redact,
    })
    if (result.error !== undefined) {
      stderr.write(
        `vitest-heal history: the shared store could not be written (${redactSecrets(result.error)}); ` +
          `${result.events} event(s) kept in ${historyPaths(target.dir).spool} for the next run\n`,
      )
    }
    return result
  } catch (error) {
    stderr.write(
      `vitest-heal history: not recorded (${redactSecrets(error instanceof Error ? error.message : String(error))})\n`,
    )
    return undefined
  }
}
