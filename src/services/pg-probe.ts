/**
 * One `SELECT 1` against PostgreSQL with a fresh client: no pool survives the probe, and a server
 * dying mid-probe cannot crash the process (the client has an `error` listener).
 */
import type { HealthProbe } from '../core/types.js'
import { redactSecrets } from '../core/redact.js'

/** SQLSTATE 57P03 cannot_connect_now: starting up, in recovery, shutting down. Wait, do not recover. */
const CANNOT_CONNECT_NOW = '57P03'
/** SQLSTATE 53300 too_many_connections: up and answering, but full. Saturated, not down. */
const TOO_MANY_CONNECTIONS = '53300'

/**
 * The probe's one query: it answers like `SELECT 1` and also says how full the server is, for a
 * server whose free slots are only the ones reserved for superusers (the probe's user may be one).
 */
const PROBE_SQL =
  "SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS used, " +
  "current_setting('max_connections')::int AS max, " +
  "current_setting('superuser_reserved_connections')::int AS reserved"

interface Occupancy {
  used: number
  max: number
  reserved: number
}

/**
 * pg is imported on the first probe, not with the plugin: ~80 ms that a project without a
 * PostgreSQL service (or a worker that never probes) would pay on every run.
 */
export async function loadPg(): Promise<typeof import('pg').default> {
  return (await import('pg')).default
}

export async function probePostgres(connectionString: string, timeoutMs: number): Promise<HealthProbe> {
  const pg = await loadPg()
  const startedAt = performance.now()
  const elapsed = (): number => Math.round(performance.now() - startedAt)
  const client = new pg.Client({
    connectionString,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  })
  client.on('error', () => {
    // The probe's own awaits report the failure; this only keeps a late socket error from being uncaught.
  })
  try {
    const occupancy = await withDeadline(
      (async () => {
        await client.connect()
        try {
          return (await client.query<Occupancy>(PROBE_SQL)).rows[0]
        } catch (error) {
          // A PostgreSQL-compatible server without these views or settings (42xxx) is still up.
          if (!String((error as { code?: unknown }).code).startsWith('42')) throw error
          await client.query('SELECT 1')
          return undefined
        }
      })(),
      timeoutMs,
    )
    if (occupancy && occupancy.used >= occupancy.max - occupancy.reserved) {
      const detail = `saturated: ${occupancy.used} of ${occupancy.max} connections in use (${occupancy.reserved} reserved for superusers)`
      return { state: 'healthy', saturated: true, detail, latencyMs: elapsed() }
    }
    return { state: 'healthy', detail: 'SELECT 1 ok', latencyMs: elapsed() }
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown }
    const text = redactSecrets(`${typeof code === 'string' ? `${code} ` : ''}${String(message ?? error)}`)
    // The server answered, to refuse one more client: the count itself cannot be read from here.
    if (code === TOO_MANY_CONNECTIONS)
      return { state: 'healthy', saturated: true, detail: `saturated: ${text}`, latencyMs: elapsed() }
    return { state: code === CANNOT_CONNECT_NOW ? 'starting' : 'down', detail: text, latencyMs: elapsed() }
  } finally {
    await withDeadline(client.end(), 1_000).catch(() => undefined)
  }
}

/** pg's own timeouts cover connect and query; this bounds the whole probe should either misbehave. */
function withDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
  })
  work.catch(() => undefined)
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer))
}
