/**
 * The tests the history knows as flaky, for the quarantine (core/quarantine.ts): from the shared
 * store when it answers in time, else from the file the last ingest of the embedded store wrote
 * (opening PGlite costs seconds; a run's end should not pay them).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { KnownFlaky } from '../core/quarantine.js'
import type { HistoryEvent } from './events.js'
import { writeJsonWhole } from './json-file.js'
import { readSpool } from './spool.js'
import { readFlakyTests } from './stats.js'
import type { Sql } from './store.js'
import { SHARED_READ_TIMEOUT_MS, type LearnTarget } from './strategy-order.js'

export const KNOWN_FLAKY_FILE = 'known-flaky.json'

interface KnownFlakyFile {
  version: 1
  tests: ({ testKey: string } & KnownFlaky)[]
}

/** After an ingest: what the next run's quarantine reads. */
export async function writeKnownFlakyFile(dir: string, sql: Sql): Promise<void> {
  const file: KnownFlakyFile = { version: 1, tests: await readFlakyTests(sql) }
  writeJsonWhole(join(dir, KNOWN_FLAKY_FILE), file)
}

/** Known-flaky tests by history test key; nothing (never an error) when the history has none to give. */
export async function loadKnownFlaky(
  target: LearnTarget,
  timeoutMs = SHARED_READ_TIMEOUT_MS,
): Promise<Map<string, KnownFlaky>> {
  let rows: KnownFlakyFile['tests'] | undefined
  if (target.url !== undefined) {
    const { readSharedWithin } = await import('./shared-store.js')
    rows = await readSharedWithin(target.url, timeoutMs, readFlakyTests)
  }
  rows ??= readKnownFlakyFile(target.dir)
  const known = new Map(
    rows.map(({ testKey, flakyRuns, runs, rate }) => [testKey, { flakyRuns, runs, rate }]),
  )
  return withSpooled(
    known,
    readSpool(join(target.dir, 'spool')).flatMap((file) => file.events),
  )
}

/**
 * Adds the runs still in the spool (not in the store yet: the embedded store is created only by
 * `stats` or an earlier ingest), counted as the store's query counts them: a flaky run is one
 * attempt-1 `flaky` row; a test's runs are the runs since it first failed.
 */
export function withSpooled(
  known: Map<string, KnownFlaky>,
  events: readonly HistoryEvent[],
): Map<string, KnownFlaky> {
  const runStarts = events.flatMap((e) => (e.type === 'run' ? [Date.parse(e.startedAt)] : []))
  const spooled = new Map<string, { flakyRuns: number; firstSeen: number }>()
  for (const event of events) {
    if (
      event.type !== 'failure' ||
      event.where !== 'test' ||
      event.outcome !== 'flaky' ||
      event.attempt !== 1
    )
      continue
    const entry = spooled.get(event.testKey) ?? { flakyRuns: 0, firstSeen: Infinity }
    entry.flakyRuns++
    entry.firstSeen = Math.min(entry.firstSeen, Date.parse(event.at))
    spooled.set(event.testKey, entry)
  }
  for (const [testKey, entry] of spooled) {
    const stored = known.get(testKey)
    // Spooled runs came after the stored ones: all of them count for a test the store knows already.
    const runsSince = runStarts.filter((at) => stored || at >= entry.firstSeen).length
    const flakyRuns = (stored?.flakyRuns ?? 0) + entry.flakyRuns
    const runs = Math.max(flakyRuns, (stored?.runs ?? 0) + runsSince)
    known.set(testKey, { flakyRuns, runs, rate: Math.round((flakyRuns / runs) * 10_000) / 10_000 })
  }
  return known
}

function readKnownFlakyFile(dir: string): KnownFlakyFile['tests'] {
  const path = join(dir, KNOWN_FLAKY_FILE)
  if (!existsSync(path)) return []
  try {
    const file = JSON.parse(readFileSync(path, 'utf8')) as Partial<KnownFlakyFile>
    if (file.version !== 1 || !Array.isArray(file.tests)) return []
    return file.tests.filter(
      (t) =>
        typeof t?.testKey === 'string' &&
        typeof t.rate === 'number' &&
        typeof t.flakyRuns === 'number' &&
        typeof t.runs === 'number',
    )
  } catch {
    // Cut short by a crash or edited by hand: quarantine nothing rather than fail the run.
    return []
  }
}
