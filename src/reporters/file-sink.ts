/**
 * Writes a large report in pieces: a 20,000-test report is several megabytes, and joining it into
 * one string first doubles the heap it needs (and, with one non-ASCII character, doubles it again).
 */
import { closeSync, openSync, writeSync } from 'node:fs'

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
