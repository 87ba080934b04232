/**
 * A real throwaway PostgreSQL for tests: `const pg = await startPostgres()`, then kill it for real
 * (`killHard()` = SIGKILL to the postmaster and its children, `stopImmediate()` = pg_ctl -m immediate),
 * bring it back with `start()` (same data dir and port, stale lock files cleared), `close()` in afterAll.
 */
import pg from 'pg'
import {
  createPostgresServer,
  type PostgresServer,
  type PostgresServerOptions,
} from '../../src/services/postgres-server.js'

export interface PgHandle {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string
  port: number
  host: string
  dataDir: string
  /** The postmaster's pid while it runs. */
  pid(): number | undefined
  killHard(): Promise<void>
  stopImmediate(): Promise<void>
  /** Starts again on the same data dir and port; resolves when it accepts connections. */
  start(): Promise<void>
  /** Stops the server and removes its files. Safe to call twice. */
  close(): Promise<void>
  /** The underlying server (log tail, socket dir, binaries). */
  server: PostgresServer
}

export async function startPostgres(options: PostgresServerOptions = {}): Promise<PgHandle> {
  const server = await createPostgresServer(options)
  try {
    await server.start()
  } catch (error) {
    await server.destroy()
    throw error
  }
  return {
    url: server.url,
    port: server.port,
    host: server.host,
    dataDir: server.dataDir,
    pid: () => server.pid(),
    killHard: () => server.killHard(),
    stopImmediate: () => server.stopImmediate(),
    start: () => server.start(),
    close: () => server.destroy(),
    server,
  }
}

/** Runs one query on a fresh client and closes it; rejects with pg's own error. */
export async function queryOnce<T extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 })
  client.on('error', () => undefined)
  try {
    await client.connect()
    const result = await client.query<T>(sql, params)
    return result.rows
  } finally {
    await client.end().catch(() => undefined)
  }
}
