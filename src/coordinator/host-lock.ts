/**
 * A lock shared by every vitest process of this user on this host, so two runs that share a
 * database do not restart it at the same time: the second waits, then re-probes and reuses the
 * first's recovery when the service is already healthy.
 *
 * The lock is a file created exclusively (`wx`) in a 0700 directory of the user's, holding the
 * owner's pid, time and a random token. A lock whose pid is dead (or that is older than `staleMs`)
 * is stale and may be taken over.
 */
import { createHash, randomBytes } from 'node:crypto'
import { link, lstat, mkdir, chmod, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { addressFromUrl, normaliseHost } from '../core/blame.js'
import { redactSecrets } from '../core/redact.js'
import type { ServiceRef } from '../core/types.js'
import { HealError } from '../errors.js'
import { isProcessAlive } from '../services/proc.js'

export interface HostLockOptions {
  /** Where lock files live. Default `<os.tmpdir()>/vitest-heal-locks-<uid>`. */
  dir?: string
  /** Longest wait for another process to release the lock. */
  timeoutMs: number
  /** A lock older than this is stale even if its pid lives (the pid may have been reused). Default 10 min. */
  staleMs?: number
  /** Default 50 ms: short against a recovery of ~200 ms, cheap on the file system. */
  pollMs?: number
}

export interface HostLockHeld {
  /** True when another process held the lock first: re-probe before recovering. */
  contended: boolean
  waitedMs: number
  path: string
}

interface Holder {
  pid: number
  at: number
  token: string
}

const DEFAULT_STALE_MS = 10 * 60_000
const DEFAULT_POLL_MS = 50
/** A lock file still empty after this long belongs to a process that died between create and write. */
const EMPTY_LOCK_GRACE_MS = 5_000

export function defaultLockDir(): string {
  const user = process.getuid?.() ?? 'user'
  // One level under tmpdir, so the ownership and mode check below covers every directory we create.
  return join(tmpdir(), `vitest-heal-locks-${user}`)
}

/** Creates the directory 0700 and refuses one that another user owns (they could forge locks). */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const info = await lstat(dir)
  const uid = process.getuid?.()
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) {
    throw new HealError(
      'E_RECOVERY_FAILED',
      `vitest-heal: lock directory ${dir} is not a directory of this user (uid ${info.uid})`,
    )
  }
  if ((info.mode & 0o777) !== 0o700) await chmod(dir, 0o700)
}

/**
 * What a service's host lock is named after: the endpoint its recovery acts on, never the name a
 * config gives it. Two runs that call one PostgreSQL `db` and `postgres` must share the lock (or
 * both recover it), and two unrelated PostgreSQLs both called `db` must not (or one waits for
 * the other's recovery). `target` (what the service points at, redacted) names what has no
 * address yet, such as an owned service not started.
 */
export function hostLockKey(ref: ServiceRef, target: string): string {
  if (typeof ref.port === 'number')
    return `${normaliseHost(typeof ref.host === 'string' ? ref.host : 'localhost')}:${ref.port}`
  const address = typeof ref.url === 'string' ? addressFromUrl(ref.url) : undefined
  if (address?.port !== undefined) return `${address.host}:${address.port}`
  return target
}

function lockFileName(key: string): string {
  const readable = key.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60)
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 12)
  return `${readable}-${digest}.lock`
}

function parseHolder(text: string): Holder | undefined {
  try {
    const value = JSON.parse(text) as Partial<Holder>
    if (typeof value.pid === 'number' && typeof value.at === 'number' && typeof value.token === 'string') {
      return { pid: value.pid, at: value.at, token: value.token }
    }
  } catch {
    // Half-written or foreign content: the caller treats it as unknown.
  }
  return undefined
}

async function readHolder(path: string): Promise<Holder | undefined | 'gone'> {
  try {
    return parseHolder(await readFile(path, 'utf8'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone'
    throw error
  }
}

async function isStale(path: string, holder: Holder | undefined, staleMs: number): Promise<boolean> {
  if (!holder) {
    const info = await stat(path).catch(() => undefined)
    return info !== undefined && Date.now() - info.mtimeMs > EMPTY_LOCK_GRACE_MS
  }
  return Date.now() - holder.at > staleMs || !isProcessAlive(holder.pid)
}

/**
 * Moves the stale lock aside atomically, then checks it moved the lock it judged stale: if a
 * live process took the lock in between, its file is linked back (link never overwrites).
 */
async function breakStale(path: string, judged: Holder | undefined): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    await rename(path, aside)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  const moved = await readHolder(aside)
  const sameLock =
    judged === undefined ? moved === undefined : moved !== 'gone' && moved?.token === judged.token
  if (!sameLock) await link(aside, path).catch(() => undefined)
  await unlink(aside).catch(() => undefined)
}

async function release(path: string, token: string): Promise<void> {
  const holder = await readHolder(path)
  if (holder !== 'gone' && holder?.token === token) await unlink(path).catch(() => undefined)
}

export async function withHostLock<T>(
  key: string,
  fn: (held: HostLockHeld) => Promise<T>,
  opts: HostLockOptions,
): Promise<T> {
  const dir = opts.dir ?? defaultLockDir()
  const staleMs = opts.staleMs ?? DEFAULT_STALE_MS
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS
  await ensurePrivateDir(dir)
  const path = join(dir, lockFileName(key))
  const token = randomBytes(12).toString('hex')
  const started = Date.now()
  let contended = false
  let lastHolder: Holder | undefined

  for (;;) {
    try {
      await writeFile(
        path,
        JSON.stringify({ pid: process.pid, at: Date.now(), token, key: redactSecrets(key) }),
        { flag: 'wx', mode: 0o600 },
      )
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    contended = true
    const holder = await readHolder(path)
    if (holder === 'gone') continue
    lastHolder = holder ?? lastHolder
    if (await isStale(path, holder, staleMs)) {
      await breakStale(path, holder)
      continue
    }
    if (Date.now() - started >= opts.timeoutMs) {
      const owner = lastHolder ? `pid ${lastHolder.pid}` : 'another process'
      throw new HealError(
        'E_RECOVERY_FAILED',
        `vitest-heal: waited ${opts.timeoutMs} ms for the host lock "${redactSecrets(key)}" held by ${owner}`,
      )
    }
    await sleep(pollMs)
  }

  try {
    return await fn({ contended, waitedMs: Date.now() - started, path })
  } finally {
    await release(path, token)
  }
}
