/**
 * A worker reads a flag file the moment it exists: it must never find it empty. The check polls
 * synchronously while the write is under way, as a worker process would between two tests.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { writeFlagFile } from '../../../src/session/flag-file.js'

const dir = mkdtempSync(join(tmpdir(), 'vitest-heal-flag-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** What a reader polling without pause saw of `path` while `write` ran: each content read. */
async function seenWhileWriting(path: string, write: () => Promise<void>): Promise<string[]> {
  const seen = new Set<string>()
  const done = write()
  // Sync polling keeps this thread busy while the thread pool opens the file: a non-atomic write
  // has created it, empty, before its content can be written.
  const until = Date.now() + 200
  while (Date.now() < until) if (existsSync(path)) seen.add(readFileSync(path, 'utf8'))
  await done
  seen.add(readFileSync(path, 'utf8'))
  return [...seen]
}

describe('writeFlagFile', () => {
  it('is never seen empty or partial: only the whole reason', async () => {
    const path = join(dir, 'broken-db')
    expect(await seenWhileWriting(path, () => writeFlagFile(path, 'db: 3 recoveries failed'))).toEqual([
      'db: 3 recoveries failed',
    ])
  })

  it('(the reason it exists: a plain writeFile is seen empty by the same reader)', async () => {
    const path = join(dir, 'broken-app')
    expect(await seenWhileWriting(path, () => writeFile(path, 'app: down'))).toContain('')
  })

  it('replaces an older flag and leaves no temporary file', async () => {
    const path = join(dir, 'broken-cache')
    await writeFlagFile(path, 'first')
    await writeFlagFile(path, 'second')
    expect(readFileSync(path, 'utf8')).toBe('second')
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })
})
