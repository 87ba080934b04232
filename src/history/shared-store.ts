/**
 * The shared store: a PostgreSQL many machines write to at once (`history: { url }`). Parameterised
 * queries only; a pool of two (a run writes one batch at a time); an unreachable server fails fast
 * so the run's end is not held up: its events stay in the spool for the next chance.
 */
import pg from 'pg'
import type { Sql } from './store.js'

/** Long enough for a server across a network, short enough not to hold a run's exit. */
export const CONNECT_TIMEOUT_MS = 3_000

function onClient(
  client: pg.PoolClient | pg.Pool,
  transaction: Sql['transaction'],
  close: Sql['close'],
): Sql {
  return {
    query: async <T extends object>(text: string, params?: unknown[]) =>
      (await client.query(text, params)).rows as T[],
    exec: async (text) => {
      await client.query(text)
    },
    transaction,
    close,
  }
}

export async function openSharedSql(url: string, connectTimeoutMs = CONNECT_TIMEOUT_MS): Promise<Sql> {
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: connectTimeoutMs })
  // A server that dies under idle clients must not crash the run (pg emits 'error' on the pool).
  pool.on('error', () => undefined)
  // Once per connection, not per checkout: a pooled client is reused for every batch.
  pool.on('connect', (client) => client.on('error', () => undefined))
  const transaction: Sql['transaction'] = async (fn) => {
    const client = await pool.connect()
    try {
      await client.query('begin')
      const result = await fn(
        onClient(
          client,
          (inner) => inner(sql),
          async () => undefined,
        ),
      )
      await client.query('commit')
      return result
    } catch (error) {
      await client.query('rollback').catch(() => undefined)
      throw error
    } finally {
      client.release()
    }
  }
  const sql = onClient(pool, transaction, () => pool.end())
  // Fail here, not on the first write, when the server is not there.
  try {
    await sql.query('select 1')
  } catch (error) {
    await pool.end().catch(() => undefined)
    throw error
  }
  return sql
}

/**
 * `fn` over the shared store, or undefined when the server does not answer within `timeoutMs` (or
 * fails, or was never migrated): a run that reads the history at a critical moment — a recovery
 * waiting, a run ending — learns from what is local instead of waiting on the network.
 */
export async function readSharedWithin<T>(
  url: string,
  timeoutMs: number,
  fn: (sql: Sql) => Promise<T>,
): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const read = (async () => {
    const sql = await openSharedSql(url, timeoutMs)
    try {
      return await fn(sql)
    } finally {
      await sql.close().catch(() => undefined)
    }
  })()
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs)
    timer.unref()
  })
  try {
    return await Promise.race([read.catch(() => undefined), late])
  } finally {
    clearTimeout(timer)
  }
}
