/**
 * One `SELECT 1` against PostgreSQL with a fresh client: no pool survives the probe, and a server
 * dying mid-probe cannot crash the process (the client has an `error` listener).
 */
import type { HealthProbe } from '../core/types.js'
import { redactSecrets } from '../core/redact.js'

/** SQLSTATE 57P03 cannot_connect_now: starting up, in recovery, shutting down. Wait, do not recover. */
const CANNOT_CONNECT_NOW = '57P03'

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
    await withDeadline(
      (async () => {
        await client.connect()
        await client.query('SELECT 1')
      })(),
      timeoutMs,
    )
    return { state: 'healthy', detail: 'SELECT 1 ok', latencyMs: elapsed() }
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown }
    const text = redactSecrets(`${typeof code === 'string' ? `${code} ` : ''}${String(message ?? error)}`)
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
