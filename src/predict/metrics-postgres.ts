/**
 * PostgreSQL metrics for the sampler, read on one connection of ours kept open between ticks (a
 * fresh one each second would cost the server a backend start each time) and made again, lazily,
 * after the server died: how full it is, what holds it (the longest query, sessions idle in a
 * transaction), how big the database is against the free disk of its data directory (a server on
 * this host), and whether it is in recovery.
 */
import type { MetricName } from '../core/prediction.js'
import type { HealthProbe } from '../core/types.js'
import { loadPg } from '../services/pg-probe.js'
import { diskSpace } from './metrics-proc.js'

type PgClient = InstanceType<Awaited<ReturnType<typeof loadPg>>['Client']>

const STATS_SQL = `SELECT
  count(*) FILTER (WHERE backend_type = 'client backend')::int AS connections,
  current_setting('max_connections')::int AS max_connections,
  current_setting('superuser_reserved_connections')::int AS reserved,
  count(*) FILTER (WHERE state LIKE 'idle in transaction%')::int AS idle_in_tx,
  coalesce(1000 * extract(epoch FROM max(now() - state_change) FILTER (WHERE state LIKE 'idle in transaction%')), 0)::float8 AS longest_idle_tx_ms,
  coalesce(1000 * extract(epoch FROM max(now() - query_start) FILTER (WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid())), 0)::float8 AS longest_query_ms,
  pg_database_size(current_database())::float8 AS db_bytes,
  pg_is_in_recovery() AS in_recovery
FROM pg_stat_activity`

interface StatsRow {
  connections: number
  max_connections: number
  reserved: number
  idle_in_tx: number
  longest_idle_tx_ms: number
  longest_query_ms: number
  db_bytes: number
  in_recovery: boolean
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

export interface PostgresMetrics {
  /** The metrics after a probe; nothing (no connection attempt) when the probe found it unhealthy. */
  read(probe: HealthProbe): Promise<Record<MetricName, number>>
  /** Our kept connection is open and answered its last query: a tick may skip the full probe. */
  answering(): boolean
  close(): Promise<void>
}

export function postgresMetrics(options: {
  /** The connection string now (a local server's is known once it started). */
  url: () => string | undefined
  /** The server runs on this host: its data directory's file system can be measured. */
  host: () => string | undefined
  timeoutMs: number
}): PostgresMetrics {
  let client: PgClient | undefined
  let clientUrl: string | undefined
  /** Null: not readable (not a superuser, or not on this host). */
  let dataDir: string | null | undefined

  async function drop(): Promise<void> {
    const closing = client
    client = undefined
    await closing?.end().catch(() => undefined)
  }

  async function connect(url: string): Promise<PgClient> {
    const pg = await loadPg()
    const fresh = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: options.timeoutMs,
      query_timeout: options.timeoutMs,
      application_name: 'vitest-heal sampler',
    })
    // The server dying under the kept connection is an event, not a crash: the next tick reconnects.
    fresh.on('error', () => {
      if (client === fresh) client = undefined
    })
    fresh.on('end', () => {
      if (client === fresh) client = undefined
    })
    try {
      await fresh.connect()
    } catch (error) {
      await fresh.end().catch(() => undefined)
      throw error
    }
    if (dataDir === undefined) dataDir = await readDataDir(fresh, options.host())
    return fresh
  }

  return {
    async read(probe) {
      const url = options.url()
      if (probe.state !== 'healthy' || url === undefined) {
        await drop()
        return {}
      }
      if (client !== undefined && clientUrl !== url) await drop()
      try {
        client ??= await connect(url)
        clientUrl = url
        const startedAt = performance.now()
        const row = (await client.query<StatsRow>(STATS_SQL)).rows[0]
        if (row === undefined) return {}
        const metrics: Record<MetricName, number> = {
          'pg.queryMs': Math.round(performance.now() - startedAt),
          'pg.connections': row.connections,
          'pg.maxConnections': row.max_connections,
          'pg.reservedConnections': row.reserved,
          'pg.idleInTransaction': row.idle_in_tx,
          'pg.longestIdleInTransactionMs': Math.round(row.longest_idle_tx_ms),
          'pg.longestQueryMs': Math.round(row.longest_query_ms),
          'pg.dbBytes': row.db_bytes,
          'pg.inRecovery': row.in_recovery ? 1 : 0,
        }
        const disk = dataDir ? await diskSpace(dataDir) : undefined
        if (disk) {
          metrics['disk.freeBytes'] = disk.freeBytes
          metrics['disk.totalBytes'] = disk.totalBytes
        }
        return metrics
      } catch {
        // A query that failed (timed out, server going away) leaves the connection in doubt: a new one next tick.
        await drop()
        return {}
      }
    },
    answering: () => client !== undefined,
    close: drop,
  }
}

/** Where the server keeps its data, when it is on this host and we may read the setting. */
async function readDataDir(client: PgClient, host: string | undefined): Promise<string | null> {
  if (host === undefined || !(LOCAL_HOSTS.has(host) || host.startsWith('/'))) return null
  try {
    const { rows } = await client.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir")
    return rows[0]?.dir ?? null
  } catch {
    return null
  }
}
