/**
 * The coordinator's edges, for real: a server that dies again after every restart (the breaker
 * opens and the run ends in bounded time), two vitest processes sharing one server (one recovery
 * between them), and recovery strategies that hang or fail, or that the history has seen fail (issue 12).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { RunReport } from '../../src/core/report.js'
import { queryOnce, startPostgres, type PgHandle } from '../helpers/postgres.js'
import { byName, runVitest, waitForProgress, type RunResult } from './harness.js'
import { generateSuite } from './outage-suite.js'

let pg: PgHandle

/** vitest-heal's pgCtl() recovery: clears a zombie postmaster's stale lock files, runs pg_ctl as the owner. */
const pgCtlRecovery = () => ({ pgCtl: pg.dataDir })
const progressFile = () => join(mkdtempSync(join(tmpdir(), 'vitest-heal-e2e-')), 'progress')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function ensureUp(): Promise<void> {
  try {
    await queryOnce(pg.url, 'SELECT 1')
  } catch {
    await pg.start()
  }
}

beforeAll(async () => {
  pg = await startPostgres()
})
afterAll(async () => {
  await pg?.close()
})

describe('a crash loop', () => {
  test(
    'opens the breaker: no endless restarts, dependants fail as infra with E_CIRCUIT_OPEN, bounded time',
    { timeout: 240_000 },
    async () => {
      const dir = generateSuite('crash-loop', { files: 4, testsPerFile: 6, sleepMs: 150 })
      const progress = progressFile()
      const run = runVitest(dir, {
        env: {
          FIXTURE_PG_URL: pg.url,
          FIXTURE_RECOVER: JSON.stringify([pgCtlRecovery()]),
          FIXTURE_PROGRESS: progress,
        },
        timeoutMs: 180_000,
      })
      expect(await waitForProgress(progress, 3)).toBe(true)
      // Kill the server, then kill it again shortly after every time it comes back.
      let running = true
      let kills = 0
      const crashLoop = (async () => {
        await pg.killHard()
        kills++
        while (running) {
          try {
            await queryOnce(pg.url, 'SELECT 1')
            await sleep(100)
            await pg.killHard()
            kills++
          } catch {
            await sleep(20)
          }
        }
      })()
      const result = await run
      running = false
      await crashLoop
      await ensureUp()

      const report = result.report!
      expect(report, result.output).toBeDefined()
      const recoveries = report.recoveries.filter((r) => r.service === 'db' && r.trigger !== 'preflight')
      // Default breaker: 3 recoveries within 5 minutes, then no more.
      expect(recoveries.length, JSON.stringify(recoveries)).toBeLessThanOrEqual(3)
      expect(recoveries.length).toBeGreaterThanOrEqual(1)
      const open = report.tests.filter((t) =>
        t.tries?.some((tr) => tr.errors.some((e) => e.code === 'E_CIRCUIT_OPEN')),
      )
      expect(open.length, result.output.slice(-3000)).toBeGreaterThan(0)
      for (const t of open) expect(t).toMatchObject({ outcome: 'failed', cause: 'infra', service: 'db' })
      const message = open[0]!
        .tries!.flatMap((tr) => tr.errors)
        .find((e) => e.code === 'E_CIRCUIT_OPEN')!.message
      expect(message).toMatch(/db/)
      // Why the breaker opened, with its count: 3 recoveries within the window, or (when a loaded
      // machine makes each restart miss its start timeout) recoveries that all failed, attempt N.
      expect(message).toMatch(/\d+ recover|recovery failed \(attempt \d+/)
      expect(report.summary.infra).toBeGreaterThan(0)
      expect(result.code).toBe(1)
      expect(result.durationMs).toBeLessThan(120_000)
      expect(kills).toBeGreaterThanOrEqual(2)
    },
  )
})

describe('two vitest processes sharing one server', () => {
  test('one recovery between them (host lock), both runs green', { timeout: 240_000 }, async () => {
    await ensureUp()
    const a = generateSuite('shared-a', { files: 6, testsPerFile: 8, sleepMs: 40 })
    const b = generateSuite('shared-b', { files: 6, testsPerFile: 8, sleepMs: 40 })
    const progressA = progressFile()
    const progressB = progressFile()
    const env = (progress: string) => ({
      FIXTURE_PG_URL: pg.url,
      FIXTURE_RECOVER: JSON.stringify([pgCtlRecovery()]),
      FIXTURE_PROGRESS: progress,
    })
    const runs = [runVitest(a, { env: env(progressA) }), runVitest(b, { env: env(progressB) })]
    expect(await waitForProgress(progressA, 15)).toBe(true)
    expect(await waitForProgress(progressB, 15)).toBe(true)
    await pg.killHard()
    const [ra, rb] = await Promise.all(runs)
    const reports = [ra!.report!, rb!.report!]
    const during = (r: RunReport) => r.recoveries.filter((x) => x.trigger !== 'preflight' && x.ok)
    expect(
      during(reports[0]!).length + during(reports[1]!).length,
      JSON.stringify(reports.map((r) => r.recoveries)),
    ).toBe(1)
    expect(ra!.code, ra!.output).toBe(0)
    expect(rb!.code, rb!.output).toBe(0)
    expect(reports[0]!.summary.healed + reports[1]!.summary.healed).toBeGreaterThan(0)
  })
})

describe('recovery strategies in order', () => {
  test(
    'a hanging command is killed at its timeout, a failing one is passed over, the next heals',
    { timeout: 240_000 },
    async () => {
      await ensureUp()
      const dir = generateSuite('strategies', { files: 4, testsPerFile: 8, sleepMs: 40 })
      const progress = progressFile()
      const recover = [{ argv: ['sleep', '30'], timeout: 1_000 }, { argv: ['false'] }, pgCtlRecovery()]
      const run = runVitest(dir, {
        env: { FIXTURE_PG_URL: pg.url, FIXTURE_RECOVER: JSON.stringify(recover), FIXTURE_PROGRESS: progress },
      })
      expect(await waitForProgress(progress, 8)).toBe(true)
      await pg.killHard()
      const result = await run
      const inline = result.report!.recoveries.filter((r) => r.trigger !== 'preflight')
      expect(
        inline.map((r) => [r.strategy.split(':')[0], r.ok]),
        result.output,
      ).toEqual([
        ['command', false],
        ['command', false],
        ['pg_ctl', true],
      ])
      expect(inline[0]!.error).toMatch(/timed out|timeout/i)
      expect(inline[0]!.durationMs).toBeLessThan(5_000)
      expect(inline[1]!.error).toMatch(/code 1/)
      expect(result.report!.summary.failed).toBe(0)
      expect(result.code, result.output).toBe(0)
    },
  )

  test(
    'when every strategy fails, the broken tests end failed as infra and the run is red',
    { timeout: 240_000 },
    async () => {
      await ensureUp()
      const dir = generateSuite('strategies-fail', { files: 3, testsPerFile: 6, sleepMs: 40 })
      const progress = progressFile()
      const run = runVitest(dir, {
        env: {
          FIXTURE_PG_URL: pg.url,
          FIXTURE_RECOVER: JSON.stringify([{ argv: ['false'] }]),
          FIXTURE_PROGRESS: progress,
        },
      })
      expect(await waitForProgress(progress, 4)).toBe(true)
      await pg.killHard()
      const result = await run
      await ensureUp()
      const report = result.report!
      expect(report.summary.infra, result.output).toBeGreaterThan(0)
      expect(report.summary.healed).toBe(0)
      for (const t of report.tests.filter((x) => x.outcome === 'failed'))
        expect(t).toMatchObject({ cause: 'infra', service: 'db' })
      expect(result.code).toBe(1)
    },
  )

  test(
    'a strategy that fails is tried first only until the history shows it (learned order, issue 12)',
    { timeout: 300_000 },
    async () => {
      const dir = generateSuite('learned-order', { files: 3, testsPerFile: 6, sleepMs: 40, plantBug: true })
      // The harness empties the report directory before each run: the history is kept beside it.
      const config = join(dir, 'vitest.config.ts')
      writeFileSync(
        config,
        readFileSync(config, 'utf8').replace('heal({', "heal({ history: { dir: 'kept-history' },"),
      )
      const recover = JSON.stringify([{ argv: ['false'] }, pgCtlRecovery()])
      const runs: RunResult[] = []
      for (let i = 0; i < 3; i++) {
        await ensureUp()
        const progress = progressFile()
        const run = runVitest(dir, {
          env: { FIXTURE_PG_URL: pg.url, FIXTURE_RECOVER: recover, FIXTURE_PROGRESS: progress },
        })
        expect(await waitForProgress(progress, 4)).toBe(true)
        await pg.killHard()
        runs.push(await run)
      }
      const inline = (r: RunResult) => r.report!.recoveries.filter((x) => x.trigger !== 'preflight')
      // No history yet: the configured order, no reason given.
      expect(
        inline(runs[0]!).map((r) => [r.strategy, r.ok, r.reason]),
        runs[0]!.output,
      ).toEqual([
        ['command:false', false, undefined],
        ['pg_ctl', true, undefined],
      ])
      // Two runs later pg_ctl goes first, and the status line and report.json say why.
      expect(inline(runs[2]!)[0], runs[2]!.output).toMatchObject({
        strategy: 'pg_ctl',
        ok: true,
        reason: '100% of 2 past attempts',
      })
      expect(runs[2]!.output).toMatch(/db: trying .*pg_ctl.* first — 100% of 2 past attempts/)
      for (const run of runs) {
        // Learning reorders recoveries, never verdicts: the planted bug is red in report.json and the exit code.
        expect(byName(run.report).get('planted bug: the total is wrong')).toMatchObject({
          outcome: 'failed',
          cause: 'test-bug',
        })
        expect(run.report!.summary.infra).toBe(0)
        expect(run.code).toBe(1)
      }
    },
  )
})
