/**
 * Writes a large report in pieces: a 20,000-test report is several megabytes, and joining it into
 * one string first doubles the heap it needs (and, with one non-ASCII character, doubles it again).
 */
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

/** Pieces are gathered up to this size, then written with one system call. */
const FLUSH_AT = 1 << 20

export function writeChunks(path: string, chunks: Iterable<string>): void {
  const fd = openSync(path, 'w')
  try {
    let pending: string[] = []
    let size = 0
    for (const chunk of chunks) {
      pending.push(chunk)
      size += chunk.length
      if (size >= FLUSH_AT) {
        writeSync(fd, pending.join(''))
        pending = []
        size = 0
      }
    }
    if (pending.length > 0) writeSync(fd, pending.join(''))
  } finally {
    closeSync(fd)
  }
}

/**
 * `mkdir -p`, one level at a time. Node's `mkdirSync(dir, { recursive: true })` retries ENOENT for
 * ever under /proc (`reportDir: '/proc/nope'`), and a process stuck in that synchronous loop never
 * even sees SIGTERM. Here the first level that cannot be made throws its own error.
 */
export function makeDirectory(dir: string): void {
  const missing: string[] = []
  for (let path = resolve(dir); !existsSync(path); path = dirname(path)) {
    missing.push(path)
    if (dirname(path) === path) break
  }
  for (const path of missing.reverse()) {
    try {
      mkdirSync(path)
    } catch (error) {
      // Made by someone else meanwhile (two reporters, two shards): that is what we wanted.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
}
