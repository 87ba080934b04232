import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { eventsFromReport, historyTestKey } from '../../../src/history/events.js'
import { KNOWN_FLAKY_FILE, loadKnownFlaky, withSpooled } from '../../../src/history/known-flaky.js'
import { outageReport } from './reports.js'

const dir = mkdtempSync(join(tmpdir(), 'heal-known-flaky-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const ci = { provider: 'local' }
function runEvents(i: number, flaky: boolean) {
  const startedAt = new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString()
  return eventsFromReport(outageReport(startedAt, { flaky }), {
    runId: `run-${i}`,
    ci,
    serviceKinds: { db: 'postgres' },
  })
}

describe('known-flaky tests', () => {
  test('runs still in the spool count as the store counts them: flaky runs over runs since first seen', () => {
    const events = [runEvents(0, false), runEvents(1, true), runEvents(2, false), runEvents(3, true)].flat()
    const flakyKey = events.find((e) => e.type === 'failure' && e.outcome === 'flaky')
    expect(flakyKey).toBeDefined()
    const key = (flakyKey as { testKey: string }).testKey
    const known = withSpooled(new Map(), events)
    // first flaky in run 1: runs 1, 2, 3 since then, flaky in 2 of them
    expect(known.get(key)).toEqual({ flakyRuns: 2, runs: 3, rate: 0.6667 })
  })

  test('the file the last ingest wrote and the spool add up; a torn file counts for nothing', async () => {
    const key = historyTestKey({ file: 'test/x.test.ts', name: 'slow' })
    writeFileSync(
      join(dir, KNOWN_FLAKY_FILE),
      JSON.stringify({ version: 1, tests: [{ testKey: key, flakyRuns: 3, runs: 10, rate: 0.3 }] }),
    )
    expect((await loadKnownFlaky({ dir })).get(key)).toEqual({ flakyRuns: 3, runs: 10, rate: 0.3 })
    writeFileSync(join(dir, KNOWN_FLAKY_FILE), '{"version":1,"tests":[{"testKey":')
    expect((await loadKnownFlaky({ dir })).size).toBe(0)
  })

  test('a shared store that does not answer costs nothing but its knowledge', async () => {
    const started = Date.now()
    const known = await loadKnownFlaky(
      { dir: join(dir, 'none'), url: 'postgres://postgres@127.0.0.1:1/x' },
      500,
    )
    expect(known.size).toBe(0)
    expect(Date.now() - started).toBeLessThan(2_000)
  })
})
