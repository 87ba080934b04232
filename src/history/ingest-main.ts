/**
 * `node ingest-main.js <history dir>`: the detached process a run hands its spool to (record.ts), so
 * the embedded store's start-up is paid after the run exited. If another process holds the store,
 * this one gives up at once: that one, the next run or `stats` will take the spool.
 */
import { flushSpool, withHistoryStore } from './record.js'

const dir = process.argv[2]
if (dir !== undefined) {
  const target = { dir }
  await withHistoryStore(target, (sql) => flushSpool(target, sql), { lockTimeoutMs: 0 }).catch(
    () => undefined,
  )
}
