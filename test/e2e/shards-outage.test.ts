/**
 * Shards heal like whole runs, for real: a generated project whose beforeAll files meet a
 * PostgreSQL SIGKILLed during setup, run as `vitest run --shard=k/2` in two copies (two CI
 * machines), each with Vitest's blob reporter. Each shard's second pass re-runs exactly its own
 * selection (Vitest must not shard it again), and both merges — `vitest --merge-reports` over the
 * blobs and `vitest-heal merge` over our reports — give the same verdict and exit code.
 */
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { RunReport } from '../../src/core/report.js'
import { startPostgres, type PgHandle } from '../helpers/postgres.js'
import { ROOT, runCli, runVitest, type RunResult } from './harness.js'
import { generateSuite } from './outage-suite.js'
import { outageEnv, runThroughOutage } from './setup-outage.js'

const WORK = join(ROOT, 'test/e2e/.generated')
const BEFORE_ALL_FILES = 4
const TESTS_PER_FILE = 3
const BLOBS = '.vitest-reports'

let pg: PgHandle

beforeAll(async () => {
  pg = await startPostgres()
})
afterAll(async () => {
  await pg?.close()
})

/**
 * Shard `k` of 2; the database is killed once one of its beforeAll files connected. Its report
 * directory is then kept aside, as a CI machine's artifact, under `<name>-heal-<k>`.
 */
async function runShard(dir: string, name: string, k: number) {
  const env = outageEnv(pg)
  const result = await runThroughOutage(pg, dir, env, {
    // Named in full: Vitest 4 and 5 have different default places for blobs.
    args: [
      `--shard=${k}/2`,
      '--reporter=default',
      '--reporter=blob',
      `--outputFile.blob=${BLOBS}/blob-${k}-2.json`,
    ],
  })
  const kept = join(WORK, `${name}-heal-${k}`)
  rmSync(kept, { recursive: true, force: true })
  cpSync(join(dir, '.vitest-heal'), kept, { recursive: true })
  return { dir, env, result, reportDir: kept }
}

interface Scenario {
  shards: { dir: string; result: RunResult }[]
  vitestMerge: RunResult
  vitestJson: { numTotalTests: number; numFailedTests: number; success: boolean }
  healMerge: RunResult
  healReport: RunReport
}

async function scenario(name: string, plantBug: boolean): Promise<Scenario> {
  // Six files, four of them beforeAll files: each half holds at least one. One folder for both
  // shards, as on two CI machines with the same checkout path (blobs hold absolute paths).
  const dir = generateSuite(name, {
    files: 1,
    testsPerFile: TESTS_PER_FILE,
    beforeAllFiles: BEFORE_ALL_FILES,
    maxWorkers: 4,
    plantBug,
    ...(plantBug ? {} : { topLevelFiles: 1 }),
  })
  const shards = [await runShard(dir, name, 1), await runShard(dir, name, 2)]
  // The CI step after the shards: every blob in one folder, merged by Vitest and by us.
  const blobs = join(dir, BLOBS)
  expect(readdirSync(blobs).sort()).toEqual(['blob-1-2.json', 'blob-2-2.json'])
  const first = shards[0]!
  const vitestMerge = await runVitest(first.dir, {
    env: first.env,
    args: [`--merge-reports=${blobs}`, '--reporter=json', '--outputFile.json=merged.json'],
    timeoutMs: 60_000,
    // Not the shard's own: the harness empties that folder before a run.
    reportDir: '.vitest-heal-merge-reports',
  })
  const vitestJson = JSON.parse(
    readFileSync(join(first.dir, 'merged.json'), 'utf8'),
  ) as Scenario['vitestJson']
  const out = join(WORK, `${name}-merged`)
  const healMerge = await runCli(
    ['merge', ...shards.map(({ reportDir }) => relative(WORK, reportDir)), '--out', out],
    { GITHUB_ACTIONS: '' },
    WORK,
  )
  const healReport = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport
  return {
    shards: shards.map(({ dir, result }) => ({ dir, result })),
    vitestMerge,
    vitestJson,
    healMerge,
    healReport,
  }
}

function expectEachShardHealed(s: Scenario) {
  for (const { result } of s.shards) {
    expect(result.output).not.toContain('must be a smaller than count of test files')
    expect(result.report, result.output).toBeDefined()
    expect(result.report!.summary.infra, result.output).toBe(0)
    // Each shard wrote its own blob, of the whole shard: the second pass did not overwrite it.
    expect(result.output).toMatch(/blob report written to .*blob-[12]-2\.json/)
  }
  const beforeAllTests = s.healReport.tests.filter((t) => t.name.startsWith('before-all'))
  expect(beforeAllTests).toHaveLength(BEFORE_ALL_FILES * TESTS_PER_FILE)
  for (const t of beforeAllTests) expect(t.outcome, t.name).toMatch(/^(healed|passed)$/)
  expect(beforeAllTests.some((t) => t.outcome === 'healed')).toBe(true)
}

describe('a beforeAll outage in each of two shards', () => {
  test(
    'with a planted bug: both shards heal, both merges say failed, exit 1',
    { timeout: 300_000 },
    async () => {
      const s = await scenario('shards-outage-red', true)
      expectEachShardHealed(s)
      const total = (BEFORE_ALL_FILES + 1) * TESTS_PER_FILE + 1
      expect(s.vitestJson).toMatchObject({ numTotalTests: total, numFailedTests: 1, success: false })
      expect(s.healReport.summary).toMatchObject({ total, failed: 1, testBug: 1, infra: 0 })
      expect(s.healReport.outcome).toBe('failed')
      expect([s.vitestMerge.code, s.healMerge.code], s.vitestMerge.output + s.healMerge.output).toEqual([
        1, 1,
      ])
    },
  )

  test('without it: both shards heal, both merges say passed, exit 0', { timeout: 300_000 }, async () => {
    const s = await scenario('shards-outage-green', false)
    expectEachShardHealed(s)
    const total = (BEFORE_ALL_FILES + 2) * TESTS_PER_FILE
    expect(s.vitestJson).toMatchObject({ numTotalTests: total, numFailedTests: 0, success: true })
    expect(s.healReport.summary).toMatchObject({ total, failed: 0, infra: 0 })
    expect(s.healReport.outcome).toBe('passed')
    expect([s.vitestMerge.code, s.healMerge.code], s.vitestMerge.output + s.healMerge.output).toEqual([0, 0])
    for (const { result } of s.shards) expect(result.code, result.output).toBe(0)
  })
})
