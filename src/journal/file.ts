/**
 * The journal on disk: `<reportDir>/journal/<runId>.jsonl`, one file per run, appended to with one
 * `write` per record and fsync'd when asked (at test-file boundaries and at the end), so a runner
 * killed at any moment leaves every record before the last whole, and the last one whole or torn.
 *
 * Why synchronous writes: a record must be in the kernel before the next hook runs (a SIGKILL
 * gives no chance to flush a stream's buffer, and what the kernel has survives the process). A
 * `write` of a few hundred bytes costs microseconds. Why the per-file fsync runs in the thread
 * pool: it waits on the disk (~7 ms each here, 0.7 s of a 2,000-test run in 100 files when it
 * blocked the main process's event loop, which serves the workers).
 */
import { closeSync, fsync, fsyncSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { makeDirectory } from '../reporters/file-sink.js'
import { foldJournal, parseJournal, type JournalRecord, type JournalRun } from './records.js'

const SUFFIX = '.jsonl'

/** Journals kept in the directory: enough to resume or re-run the last runs, never a growing pile. */
export const JOURNALS_KEPT = 5

export function journalDir(reportDir: string): string {
  return join(reportDir, 'journal')
}

/** Sortable by start time (ISO, UTC), unique per process. */
export function newRunId(startedAt: Date, pid: number): string {
  return `${startedAt.toISOString().replace(/[:.]/g, '-')}-${pid}`
}

export class JournalWriter {
  private fd: number | undefined
  readonly path: string

  constructor(dir: string, runId: string) {
    // Not mkdirSync's recursive mode: under /proc it spins for ever (see makeDirectory).
    makeDirectory(dir)
    prune(dir, JOURNALS_KEPT - 1)
    this.path = join(dir, `${runId}${SUFFIX}`)
    this.fd = openSync(this.path, 'a')
  }

  /** One record, whole, in one write (the rare short write is finished before anything else). */
  append(record: JournalRecord): void {
    if (this.fd === undefined) return
    const bytes = Buffer.from(`${JSON.stringify(record)}\n`)
    let offset = 0
    while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset)
  }

  /** At once, blocking: a checkpoint that must be on the disk when it returns. */
  sync(): void {
    if (this.fd !== undefined) fsyncSync(this.fd)
  }

  private syncing = false
  private syncAgain = false

  /**
   * An fsync of everything written so far, in libuv's thread pool: at most one in flight, and one
   * more after it when asked meanwhile (it then covers every write before it).
   */
  syncSoon(): void {
    const fd = this.fd
    if (fd === undefined) return
    if (this.syncing) {
      this.syncAgain = true
      return
    }
    this.syncing = true
    fsync(fd, () => {
      // An error here (the file closed by close(), which fsyncs itself) loses nothing.
      this.syncing = false
      if (this.syncAgain && this.fd === fd) {
        this.syncAgain = false
        this.syncSoon()
      }
    })
  }

  close(): void {
    if (this.fd === undefined) return
    const fd = this.fd
    this.fd = undefined
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  }
}

/** The journal files of a directory, newest first. */
function journalFiles(dir: string): string[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names
    .filter((n) => n.endsWith(SUFFIX))
    .sort()
    .reverse()
}

/** Leaves the newest `keep` journals (this run's is about to be added). */
function prune(dir: string, keep: number): void {
  for (const name of journalFiles(dir).slice(keep)) rmSync(join(dir, name), { force: true })
}

export interface ReadRun extends JournalRun {
  path: string
}

function readRun(path: string): ReadRun | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
  const run = foldJournal(parseJournal(text))
  return run ? { ...run, path } : undefined
}

/** The newest run of the directory, complete or not. */
export function lastRun(dir: string): ReadRun | undefined {
  for (const name of journalFiles(dir)) {
    const run = readRun(join(dir, name))
    if (run) return run
  }
  return undefined
}

/** The newest run that ended without being cancelled. */
export function lastCompleteRun(dir: string): ReadRun | undefined {
  for (const name of journalFiles(dir)) {
    const run = readRun(join(dir, name))
    if (run?.complete) return run
  }
  return undefined
}
