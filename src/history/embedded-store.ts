/**
 * The embedded default: PostgreSQL compiled to WebAssembly (PGlite) in a directory of the project,
 * so the same SQL as a shared server runs with no setup. Loaded only when a store is opened: the
 * package is large and a green run never needs it (it only appends to the spool).
 *
 * One process at a time may open a data directory: callers hold the host lock (record.ts).
 */
import type { Sql } from './store.js'
import { makeDirectory } from '../reporters/file-sink.js'

interface PGliteQueryable {
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[] }>
  exec(text: string): Promise<unknown>
}

interface PGliteInstance extends PGliteQueryable {
  transaction<T>(fn: (tx: PGliteQueryable) => Promise<T>): Promise<T>
  close(): Promise<void>
}

function wrap(db: PGliteQueryable, transaction: Sql['transaction'], close: Sql['close']): Sql {
  return {
    query: async <T extends object>(text: string, params?: unknown[]) =>
      (await db.query<T>(text, params)).rows,
    exec: async (text) => {
      await db.exec(text)
    },
    transaction,
    close,
  }
}

export async function openEmbeddedSql(dataDir: string): Promise<Sql> {
  makeDirectory(dataDir)
  const { PGlite } = (await import('@electric-sql/pglite')) as unknown as {
    PGlite: { create(dir: string): Promise<PGliteInstance> }
  }
  const db = await PGlite.create(dataDir)
  const sql: Sql = wrap(
    db,
    (fn) =>
      db.transaction((tx) =>
        // Nested transactions are not a thing here: inside one, `transaction` just runs on the same tx.
        fn(
          wrap(
            tx,
            (inner) => inner(sql),
            async () => undefined,
          ),
        ),
      ),
    () => db.close(),
  )
  return sql
}
