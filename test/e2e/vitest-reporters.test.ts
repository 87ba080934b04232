/**
 * Vitest's own reporters tell the healed run, for real: a generated project whose beforeAll files,
 * top-level file and bare idle pool meet a PostgreSQL SIGKILLed during setup (the second pass
 * re-runs them), with and without a planted assertion bug, run with `--reporter=default|verbose|dot`,
 * json, junit, blob and a custom reporter. Each must describe ONE run, both passes merged: the
 * healed tests passed, the planted bug failed, no file of the second pass alone, one summary.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startPostgres, type PgHandle } from '../helpers/postgres.js'
import { runVitest, type RunResult } from './harness.js'
import { generateSuite } from './outage-suite.js'
import { outageEnv, runThroughOutage } from './setup-outage.js'

/** Counts its calls and writes what it was told at the end of each run, one line per run. */
const CUSTOM_REPORTER = `import { appendFileSync } from 'node:fs'
export default class CountingReporter {
  starts = 0
  onTestRunStart() { this.starts++ }
  onTestRunEnd(modules, errors, reason) {
    const tests = modules.flatMap((m) => [...m.children.allTests()].map((t) => ({ name: t.fullName, state: t.result().state })))
    appendFileSync('custom-report.jsonl', JSON.stringify({ starts: this.starts, tests, errors: errors.length, reason }) + '\\n')
  }
}
`

interface VitestJson {
  numTotalTests: number
  numFailedTests: number
  numPassedTests: number
  numFailedTestSuites: number
  success: boolean
  testResults: { assertionResults: { fullName: string; title: string; status: string }[] }[]
}

let pg: PgHandle

beforeAll(async () => {
  pg = await startPostgres()
})
afterAll(async () => {
  await pg?.close()
})

/** Two beforeAll files, a top-level file and a bare idle pool, all broken by a kill during setup. */
async function outageRun(name: string, plantBug: boolean, reporterArgs: string[]) {
  const dir = generateSuite(name, {
    files: 1,
    testsPerFile: 3,
    beforeAllFiles: 2,
    topLevelFiles: 1,
    bareIdlePoolFiles: 1,
    maxWorkers: 4,
    plantBug,
  })
  writeFileSync(join(dir, 'custom-reporter.mjs'), CUSTOM_REPORTER)
  const env = outageEnv(pg)
  const run = runThroughOutage(pg, dir, env, { args: reporterArgs }, 4)
  return { dir, env, result: await run }
}

/** `vitest --merge-reports` over the blobs in `dir`, with a json reporter. */
function mergeReports(dir: string, env: Record<string, string>): Promise<RunResult> {
  return runVitest(dir, {
    env,
    args: [
      '--merge-reports=.vitest-reports',
      '--reporter=default',
      '--reporter=json',
      '--outputFile.json=merged.json',
    ],
    timeoutMs: 60_000,
  })
}

const readJson = (dir: string, file: string) =>
  JSON.parse(readFileSync(join(dir, file), 'utf8')) as VitestJson
const statusOf = (json: VitestJson) =>
  new Map(json.testResults.flatMap((f) => f.assertionResults.map((a) => [a.title, a.status] as const)))
/** junit's `<testsuites … failures="n">`: the run's total. */
const junitFailures = (xml: string) => Number(/<testsuites[^>]*\sfailures="(\d+)"/.exec(xml)?.[1])
const summaries = (output: string) => output.match(/^\s*Test Files\s/gm)?.length ?? 0

/** Every test the outage broke (beforeAll files, top-level file) ended passed. */
function expectHealedPassed(statuses: Map<string, string>) {
  const broken = [...statuses].filter(([title]) => /^(before-all|top-level) file/.test(title))
  expect(broken).toHaveLength(9)
  for (const [title, status] of broken) expect(status, title).toBe('passed')
}

describe('with a planted bug: every reporter says failed, with the bug in it and the healed tests passed', () => {
  test(
    'default, json, junit and a custom reporter each see one merged run',
    { timeout: 240_000 },
    async () => {
      const { dir, result } = await outageRun('reporters-red', true, [
        '--reporter=default',
        '--reporter=json',
        '--outputFile.json=vitest.json',
        '--reporter=junit',
        '--outputFile.junit=junit.xml',
        '--reporter=./custom-reporter.mjs',
      ])
      expect(result.output).toContain('second pass: re-running')
      expect(result.code, result.output).toBe(1)

      const json = readJson(dir, 'vitest.json')
      const total = 3 + 6 + 3 + 1
      expect(json, result.output).toMatchObject({ numTotalTests: total, numFailedTests: 1, success: false })
      expect(json.numPassedTests).toBe(total - 1)
      const statuses = statusOf(json)
      expect(statuses.get('planted bug: the total is wrong')).toBe('failed')
      expectHealedPassed(statuses)

      expect(junitFailures(readFileSync(join(dir, 'junit.xml'), 'utf8'))).toBe(1)

      const custom = readFileSync(join(dir, 'custom-report.jsonl'), 'utf8').trim().split('\n')
      expect(custom, 'onTestRunEnd is called once').toHaveLength(1)
      const told = JSON.parse(custom[0]!) as {
        starts: number
        tests: { name: string; state: string }[]
        errors: number
        reason: string
      }
      expect(told.starts, 'the second pass is not a second run').toBe(1)
      expect(told.reason).toBe('failed')
      // The idle pool's dead clients threw outside any test during the healed outage: forgiven.
      expect(told.errors).toBe(0)
      expect(told.tests).toHaveLength(total)
      expect(told.tests.filter((t) => t.state === 'failed').map((t) => t.name)).toEqual([
        'planted bug: the total is wrong',
      ])

      expect(summaries(result.stdout), result.stdout).toBe(1)
      expect(result.stdout).toMatch(/Tests\s+1 failed \| 12 passed/)
    },
  )

  test('blob + vitest --merge-reports: failed, exit code 1', { timeout: 240_000 }, async () => {
    const { dir, env, result } = await outageRun('reporters-blob-red', true, [
      '--reporter=dot',
      '--reporter=blob',
      // Named in full: Vitest 4 and 5 have different default places for blobs.
      '--outputFile.blob=.vitest-reports/blob.json',
    ])
    expect(result.code, result.output).toBe(1)
    expect(readdirSync(join(dir, '.vitest-reports'))).toEqual(['blob.json'])
    expect(summaries(result.stdout), result.stdout).toBe(1)
    const merge = await mergeReports(dir, env)
    expect(merge.code, merge.output).toBe(1)
    const json = readJson(dir, 'merged.json')
    expect(json).toMatchObject({ numFailedTests: 1, success: false })
    expect(statusOf(json).get('planted bug: the total is wrong')).toBe('failed')
    expectHealedPassed(statusOf(json))
  })
})

/** The html reporter needs @vitest/ui, which this package does not depend on. */
const requireHere = createRequire(import.meta.url)
const hasUi = (() => {
  try {
    requireHere.resolve('@vitest/ui/package.json')
    return true
  } catch {
    return false
  }
})()

interface HtmlTask {
  type: string
  name: string
  result?: { state?: string }
  tasks?: HtmlTask[]
}

test.skipIf(!hasUi)('html (with @vitest/ui installed): the merged run', { timeout: 240_000 }, async () => {
  const { dir, result } = await outageRun('reporters-html', true, [
    '--reporter=default',
    '--reporter=html',
    '--outputFile.html=html/index.html',
  ])
  expect(result.code, result.output).toBe(1)
  // The report's data: flatted JSON, gzipped (Vitest's blob format too).
  const { parse } = createRequire(requireHere.resolve('vitest'))('flatted') as {
    parse: (text: string) => unknown
  }
  // Vitest 4 writes it beside outputFile.html; Vitest 5 under .vitest/ui.
  const metaFile = ['html', '.vitest/ui']
    .map((d) => join(dir, d, 'html.meta.json.gz'))
    .find((f) => existsSync(f))
  expect(metaFile, result.output).toBeDefined()
  const meta = parse(gunzipSync(readFileSync(metaFile!)).toString()) as {
    files: HtmlTask[]
    unhandledErrors: unknown[]
  }
  const tests = (tasks: HtmlTask[]): HtmlTask[] =>
    tasks.flatMap((t) => (t.type === 'test' ? [t] : tests(t.tasks ?? [])))
  const all = tests(meta.files)
  expect(all).toHaveLength(13)
  expect(all.filter((t) => t.result?.state === 'fail').map((t) => t.name)).toEqual([
    'planted bug: the total is wrong',
  ])
  const broken = all.filter((t) => /^(before-all|top-level) file/.test(t.name))
  expect(broken.map((t) => t.result?.state)).toEqual(Array(9).fill('pass'))
  expect(meta.unhandledErrors).toEqual([])
})

/** Its afterAll queries on a client that died with the server, after the test's retry healed the outage. */
const AFTER_ALL_FILE = `import pg from 'pg'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { ready, waitForGo } from '../helpers.js'

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1, connectionTimeoutMillis: 5_000 })
pool.on('error', () => {})
let client: pg.Client
beforeAll(async () => {
  client = new pg.Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 5_000 })
  client.on('error', () => {})
  await client.connect()
  ready()
})
afterAll(async () => {
  await pool.end().catch(() => {})
  await client.query('SELECT 1')
})

test('a query after the outage', { tags: ['needs:db'] }, async () => {
  await waitForGo()
  const { rows } = await pool.query('SELECT 1 AS one')
  expect(rows[0].one).toBe(1)
})
`

test(
  'an afterAll error of a healed outage, forgiven in our report, fails none of Vitest’s reporters',
  { timeout: 240_000 },
  async () => {
    const dir = generateSuite('reporters-after-all', { files: 0, testsPerFile: 0 })
    writeFileSync(join(dir, 'test/after-all.test.ts'), AFTER_ALL_FILE)
    const result = await runThroughOutage(pg, dir, outageEnv(pg), {
      args: [
        '--reporter=default',
        '--reporter=json',
        '--outputFile.json=vitest.json',
        '--reporter=junit',
        '--outputFile.junit=junit.xml',
      ],
    })
    const forgiven = result.report?.errors?.filter((e) => e.forgiven) ?? []
    expect(
      forgiven.map((e) => e.where),
      result.output,
    ).toEqual(['module'])
    expect(result.code, result.output).toBe(0)
    expect(readJson(dir, 'vitest.json')).toMatchObject({
      numTotalTests: 1,
      numFailedTests: 0,
      numFailedTestSuites: 0,
      success: true,
    })
    expect(junitFailures(readFileSync(join(dir, 'junit.xml'), 'utf8'))).toBe(0)
    expect(result.stdout).toMatch(/Test Files\s+1 passed \(1\)/)
  },
)

describe('without the planted bug: every reporter says passed', () => {
  test('verbose, json and junit: all green, exit code 0', { timeout: 240_000 }, async () => {
    const { dir, result } = await outageRun('reporters-green', false, [
      '--reporter=verbose',
      '--reporter=json',
      '--outputFile.json=vitest.json',
      '--reporter=junit',
      '--outputFile.junit=junit.xml',
    ])
    expect(result.code, result.output).toBe(0)
    const json = readJson(dir, 'vitest.json')
    expect(json, result.output).toMatchObject({
      numTotalTests: 12,
      numFailedTests: 0,
      numFailedTestSuites: 0,
      success: true,
    })
    expectHealedPassed(statusOf(json))
    expect(junitFailures(readFileSync(join(dir, 'junit.xml'), 'utf8'))).toBe(0)
    expect(summaries(result.stdout), result.stdout).toBe(1)
    // Forgiven unhandled errors are in our report, not in Vitest's summary.
    expect(result.stdout).not.toMatch(/Vitest caught \d+ unhandled error/)
  })

  test('blob + vitest --merge-reports: passed, exit code 0', { timeout: 240_000 }, async () => {
    const { dir, env, result } = await outageRun('reporters-blob-green', false, [
      '--reporter=blob',
      '--outputFile.blob=.vitest-reports/blob.json',
    ])
    expect(result.code, result.output).toBe(0)
    const merge = await mergeReports(dir, env)
    expect(merge.code, merge.output).toBe(0)
    expect(readJson(dir, 'merged.json')).toMatchObject({
      numTotalTests: 12,
      numFailedTests: 0,
      success: true,
    })
  })
})
