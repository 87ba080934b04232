/**
 * Green runs only add a run row, so they wait in the spool; without a store (created only by `stats`
 * or an earlier ingest) the spool used to grow for ever, and every reader of it (the learned strategy
 * order, the quarantine) with it. Once it holds SPOOL_FILES_FOR_A_STORE runs, the next run hands it to
 * the detached ingest, which creates the store: nothing lost, the spool emptied.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, expect, test } from 'vitest'
import { eventsFromReport } from '../../../src/history/events.js'
import { countSpoolFiles, appendToSpool } from '../../../src/history/spool.js'
import { readStats } from '../../../src/history/stats.js'
import { ROOT } from '../../e2e/harness.js'
import { greenReport } from '../../unit/history/reports.js'

// The compiled module: the detached ingest it starts is dist/history/ingest-main.js.
const record = (await import(
  join(ROOT, 'dist/history/record.js')
)) as typeof import('../../../src/history/record.js')
const dir = mkdtempSync(join(tmpdir(), 'heal-crowded-spool-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const spool = join(dir, 'spool')
function spoolGreenRuns(from: number, count: number): void {
  for (let i = from; i < from + count; i++) {
    const startedAt = new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString()
    const runId = `2026-run-${String(i).padStart(4, '0')}`
    appendToSpool(
      spool,
      runId,
      eventsFromReport(greenReport(startedAt), { runId, ci: { provider: 'local' } }),
    )
  }
}

test('a few green runs wait in the spool; no store is created for them', async () => {
  spoolGreenRuns(0, 5)
  const result = await record.recordRun(greenReport(new Date().toISOString()), { target: { dir } })
  expect(result.stored).toBe('spool')
  expect(countSpoolFiles(spool)).toBe(6)
  expect(existsSync(join(dir, 'db', 'PG_VERSION'))).toBe(false)
})

test(
  'a crowded spool is ingested into a store created for it, every run kept once',
  { timeout: 120_000 },
  async () => {
    spoolGreenRuns(100, record.SPOOL_FILES_FOR_A_STORE - 6)
    const result = await record.recordRun(greenReport(new Date().toISOString()), { target: { dir } })
    expect(result.stored).toBe('background')
    const deadline = Date.now() + 100_000
    while (countSpoolFiles(spool) > 0 && Date.now() < deadline) await sleep(200)
    expect(countSpoolFiles(spool)).toBe(0)
    const stats = await record.withHistoryStore({ dir }, (sql) => readStats(sql))
    expect(stats.runs).toBe(record.SPOOL_FILES_FOR_A_STORE + 1)
  },
)
