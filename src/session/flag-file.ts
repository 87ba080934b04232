/**
 * Flag files the main process writes and worker processes read (session.ts: a broken service's
 * reason). Written whole or not at all: a worker that checks between the file's creation and its
 * write would read an empty reason (seen in CI: "service "db" is broken (circuit open): ").
 */
import { randomBytes } from 'node:crypto'
import { rename, rm, writeFile } from 'node:fs/promises'

/** Writes a sibling temporary file, then renames it over `path` (atomic on one file system). */
export async function writeFlagFile(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`
  try {
    await writeFile(temporary, content)
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}
