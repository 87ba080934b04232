/**
 * `pgTerminateIdle({ url?, idleFor?, timeout? })`: relieves a saturated PostgreSQL (53300, every
 * connection slot taken) by ending the idle sessions of the service's database, other than its
 * own, with `pg_terminate_backend`. It never runs for a server that is down (a restart is what
 * helps there), only when the probe finds the server up but full.
 *
 * Ending another session needs a superuser or a member of `pg_signal_backend`, and a free slot:
 * give `url` a role that keeps one (`superuser_reserved_connections`) when the tests' role is not.
 */
import { redactSecrets } from '../core/redact.js'
import { HealError } from '../errors.js'
import { expectOptionsObject, rejectUnknownKeys, timeoutOption, urlOption } from '../services/options.js'
import { loadPg } from '../services/pg-probe.js'
import { RECOVERY_BRAND, type Recovery, type RecoveryDescriptor } from '../services/types.js'

export interface PgTerminateIdleOptions {
  /** Where to connect to end the sessions. Default: the service's own URL. */
  url?: string
  /** Only sessions idle for at least this long (ms). Default 0: every idle session. */
  idleFor?: number
  /** Longest run. Default 10 000 ms. */
  timeout?: number
}

const DEFAULT_TIMEOUT_MS = 10_000
const URL_EXPECTED = 'a postgres:// URL'

/** Idle client sessions of this database but ours; the threshold is a parameter, never spliced in. */
const TERMINATE_IDLE_SQL = `
  SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS ended
    FROM pg_stat_activity
   WHERE backend_type = 'client backend'
     AND state = 'idle'
     AND datname = current_database()
     AND pid <> pg_backend_pid()
     AND state_change <= now() - make_interval(secs => $1::double precision)`

export function pgTerminateIdle(options: PgTerminateIdleOptions = {}): RecoveryDescriptor {
  return {
    [RECOVERY_BRAND]: true,
    kind: 'pg_terminate_idle',
    resolve(key): Recovery {
      const raw = expectOptionsObject(`${key}.options`, options ?? {})
      rejectUnknownKeys(key, raw, ['url', 'idleFor', 'timeout'])
      const url =
        raw.url === undefined
          ? undefined
          : urlOption(`${key}.url`, raw.url, ['postgres:', 'postgresql:'], URL_EXPECTED).href
      const idleForMs = raw.idleFor === undefined ? 0 : timeoutOption(`${key}.idleFor`, raw.idleFor, 0)
      const timeoutMs = timeoutOption(`${key}.timeout`, raw.timeout, DEFAULT_TIMEOUT_MS)
      return {
        strategy: 'pg_terminate_idle',
        description: `end idle PostgreSQL sessions${idleForMs > 0 ? ` idle ≥ ${idleForMs} ms` : ''}`,
        timeoutMs,
        key,
        relieves: 'saturation',
        async run({ service, log }) {
          const target = url ?? service.url()
          if (target === undefined)
            throw new HealError('E_RECOVERY_FAILED', `${key}: the service has no URL yet`)
          const ended = await terminateIdle(target, idleForMs, timeoutMs)
          log(`${service.name}: ended ${ended} idle connection${ended === 1 ? '' : 's'}`)
          if (ended === 0) {
            throw new HealError(
              'E_RECOVERY_FAILED',
              `${key}: no idle connection to end (${redactSecrets(target)})`,
            )
          }
        },
      }
    },
  }
}

async function terminateIdle(url: string, idleForMs: number, timeoutMs: number): Promise<number> {
  const pg = await loadPg()
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  })
  client.on('error', () => undefined)
  try {
    await client.connect()
    const result = await client.query<{ ended: number }>(TERMINATE_IDLE_SQL, [idleForMs / 1000])
    return result.rows[0]?.ended ?? 0
  } finally {
    await client.end().catch(() => undefined)
  }
}
