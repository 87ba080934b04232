/**
 * The local spool: every run's events land here first, one JSON line per event, in one file per run
 * written whole (a temporary name, fsync, rename, fsync of the directory). A run killed while
 * writing leaves a temporary file and no half spool; a spool file that exists is acknowledged and
 * stays until a store has committed its events. Writing it costs a green run about a millisecond;
 * opening a store does not happen on that path.
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import type { HistoryEvent } from './events.js'
import { makeDirectory } from '../reporters/file-sink.js'

const SUFFIX = '.jsonl'

export interface SpoolFile {
  path: string
  events: HistoryEvent[]
}

/** Writes the run's events as one spool file; returns its path once it is on disk. */
export function appendToSpool(dir: string, runId: string, events: readonly HistoryEvent[]): string {
  makeDirectory(dir)
  const safe = runId.replace(/[^A-Za-z0-9._-]/g, '_')
  const path = join(dir, `${safe}${SUFFIX}`)
  const temporary = join(dir, `.${safe}.${process.pid}.tmp`)
  const fd = openSync(temporary, 'w', 0o600)
  try {
    writeSync(fd, events.map((event) => `${JSON.stringify(event)}\n`).join(''))
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temporary, path)
  syncDirectory(dir)
  return path
}

/** The spool's files, oldest run first (names start with the run's time). */
export function readSpool(dir: string): SpoolFile[] {
  return spoolNames(dir).map((name) => ({
    path: join(dir, name),
    events: parseLines(readFileSync(join(dir, name), 'utf8')),
  }))
}

/** The spool's file names, oldest first; none when it does not exist yet. */
function spoolNames(dir: string): string[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  return names.filter((name) => name.endsWith(SUFFIX) && !name.startsWith('.')).sort()
}

/** How many runs wait in the spool, without reading them. */
export function countSpoolFiles(dir: string): number {
  try {
    return spoolNames(dir).length
  } catch {
    return 0
  }
}

/** After the store committed a file's events: they are safe there, the file may go. */
export function removeSpoolFile(path: string): void {
  try {
    unlinkSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}

/** A line that does not parse (a file edited by hand) is skipped, not fatal: the rest still counts. */
function parseLines(text: string): HistoryEvent[] {
  const events: HistoryEvent[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    try {
      const event = JSON.parse(line) as HistoryEvent
      if (event && typeof event.id === 'string' && typeof event.type === 'string') events.push(event)
    } catch {
      // see above
    }
  }
  return events
}

function syncDirectory(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
