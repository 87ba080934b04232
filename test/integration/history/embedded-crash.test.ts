/**
 * The embedded store killed mid-write: a detached ingest (the process a run hands its spool to) is
 * SIGKILLed while it moves spool files into PGlite. The store must open again (not corrupted), the
 * host lock the dead process held must not block the next writer, and every run must be there
 * exactly once: what was committed stays, what was not is still in the spool.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, expect, test } from 'vitest'
import { eventsFromReport } from '../../../src/history/events.js'
import { flushSpool, historyPaths, withHistoryStore } from '../../../src/history/record.js'
import { appendToSpool } from '../../../src/history/spool.js'
import { readStats } from '../../../src/history/stats.js'
import { ROOT } from '../../e2e/harness.js'
import { outageReport } from '../../unit/history/reports.js'

const dir = mkdtempSync(join(tmpdir(), 'heal-history-crash-'))
const RUNS = 200

afterAll(() => rmSync(dir, { recursive: true, force: true }))

test(
  'a writer SIGKILLed mid-ingest loses nothing acknowledged and corrupts nothing',
  { timeout: 300_000 },
  async () => {
    const target = { dir }
    // The store exists already (its first open is the slow one), so the kill lands among the inserts.
    await withHistoryStore(target, async () => undefined)
    const spool = historyPaths(dir).spool
    for (let i = 0; i < RUNS; i++) {
      const startedAt = new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString()
      const runId = `run-${String(i).padStart(4, '0')}`
      appendToSpool(
        spool,
        runId,
        eventsFromReport(outageReport(startedAt, { flaky: i % 2 === 0 }), {
          runId,
          ci: { provider: 'local' },
        }),
      )
    }
    const child = spawn(process.execPath, [join(ROOT, 'dist/history/ingest-main.js'), dir], {
      stdio: 'ignore',
    })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    // Kill it once it has committed some files and not all of them.
    const deadline = Date.now() + 120_000
    while (readdirSync(spool).filter((f) => f.endsWith('.jsonl')).length > RUNS - 20 && Date.now() < deadline)
      await sleep(20)
    child.kill('SIGKILL')
    await exited
    const left = readdirSync(spool).filter((f) => f.endsWith('.jsonl')).length
    expect(left, 'the kill landed mid-ingest').toBeGreaterThan(0)
    expect(left).toBeLessThan(RUNS)

    const stats = await withHistoryStore(
      target,
      async (sql) => {
        await flushSpool(target, sql)
        return readStats(sql)
      },
      { lockTimeoutMs: 30_000 },
    )
    expect(stats.runs).toBe(RUNS)
    // 2 failures per run, +1 flaky try every other run; 2 recoveries per run.
    expect(stats.events).toEqual({ failures: RUNS * 2 + RUNS / 2, recoveries: RUNS * 2 })
    expect(readdirSync(spool).filter((f) => f.endsWith('.jsonl'))).toEqual([])
  },
)
