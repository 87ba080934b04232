/**
 * One recovery across machines: when the history is a shared PostgreSQL, CI shards on different
 * machines that share a service take a session-level advisory lock in the *history* database (never
 * in the database being healed: it is the one that is down) around each recovery. The host lock
 * (coordinator/host-lock.ts) still serialises the runs of one machine; this one serialises machines.
 *
 * The lock is best effort by design: a history database that is down or slow must never stop a
 * recovery, so the run then goes on with the host lock alone and says so.
 */
import { createHash } from 'node:crypto'
import { hostname } from 'node:os'
import pg from 'pg'
import { redactSecrets } from '../core/redact.js'
import { CONNECT_TIMEOUT_MS } from './shared-store.js'

export interface FleetLockHeld {
  /** Another machine (or process) held the lock first: re-probe before recovering. */
  contended: boolean
  waitedMs: number
  /** Why the lock was not taken (history database unreachable): the recovery ran without it. */
  skipped?: string
}

export interface FleetLockOptions {
  /** Longest wait for another machine's recovery. */
  timeoutMs: number
  /** Between two `pg_try_advisory_lock` calls. Default 100 ms. */
  pollMs?: number
  connectTimeoutMs?: number
}

/** Namespace of our advisory locks (first key of the two-int form): "vh" in ASCII. */
const LOCK_NAMESPACE = 0x7668

/**
 * The lock's key for a service target. A loopback address names a different server on every
 * machine, so it is qualified with the host name: two machines' `127.0.0.1:5432` never share a lock,
 * two runs on one machine do.
 */
export function fleetLockKey(target: string, host = hostname()): string {
  return /^(localhost|127\.\d+\.\d+\.\d+|\[?::1\]?|0\.0\.0\.0)(:|$)/i.test(target)
    ? `${host}/${target}`
    : target
}

/** The advisory lock's second key: 31 bits of the target's hash (stable across machines and versions). */
export function advisoryKey(key: string): number {
  return createHash('sha256').update(key).digest().readInt32BE(0)
}

export async function withFleetLock<T>(
  url: string,
  key: string,
  fn: (held: FleetLockHeld) => Promise<T>,
  options: FleetLockOptions,
): Promise<T> {
  const started = Date.now()
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    application_name: 'vitest-heal lock',
  })
  // A history server that dies while we hold the lock must not crash the run: the lock is then
  // released by the server anyway (session locks end with the session).
  client.on('error', () => undefined)
  const lockArgs = [LOCK_NAMESPACE, advisoryKey(key)]
  let held = false
  let contended = false
  try {
    try {
      await client.connect()
      for (;;) {
        const rows = await client.query<{ locked: boolean }>(
          'select pg_try_advisory_lock($1::int, $2::int) as locked',
          lockArgs,
        )
        if (rows.rows[0]?.locked) break
        contended = true
        if (Date.now() - started > options.timeoutMs) {
          throw new Error(
            `another machine held the recovery lock for ${key} longer than ${options.timeoutMs} ms`,
          )
        }
        await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100))
      }
      held = true
    } catch (error) {
      const reason = redactSecrets(error instanceof Error ? error.message : String(error))
      return await fn({ contended, waitedMs: Date.now() - started, skipped: reason })
    }
    return await fn({ contended, waitedMs: Date.now() - started })
  } finally {
    if (held)
      await client.query('select pg_advisory_unlock($1::int, $2::int)', lockArgs).catch(() => undefined)
    await client.end().catch(() => undefined)
  }
}
