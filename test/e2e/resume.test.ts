/**
 * Issue 14, checkpoint and resume: real `vitest-heal run`s of one generated project of four files
 * whose tests are slow enough to SIGKILL the runner's whole process group halfway.
 * - `--resume` executes only the tests the journal does not show passed (each test writes its name
 *   to a progress file when it runs), ignores a torn last journal line, and its merged report equals
 *   the report of an uninterrupted run: same tests, same outcomes, the planted bug still failed and
 *   exit 1; without the planted bug, exit 0.
 * - `--resume` after a run that completed runs nothing and exits with that run's result.
 * - `--last-failed` runs exactly the failed test.
 */
import { spawn } from 'node:child_process'
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import type { RunReport } from '../../src/core/report.js'
import { parseJournal, type TestRecord } from '../../src/journal/records.js'
import { ROOT, generatedProject, runCli, runVitest } from './harness.js'

const CLI = join(ROOT, 'dist', 'cli', 'main.js')
const FILES = ['a', 'b', 'c', 'd']
const PER_FILE = 6
/** Every test of the project: six per file, and the planted one in b. */
const TOTAL = FILES.length * PER_FILE + 1

function testFile(name: string): string {
  // One name holds what the config redacts: the journal must mask it as the reports do.
  const label = (i: number) => (name === 'a' && i === 0 ? 't1 as hunter2' : `t${i + 1}`)
  const tests = Array.from(
    { length: PER_FILE },
    (_, i) =>
      `  test('${label(i)}', async () => { ran('${name} > ${label(i)}'); await sleep(60); expect(${i}).toBe(${i}) })`,
  )
  if (name === 'b') {
    tests.push(
      `  test('planted bug', () => { ran('b > planted bug'); if (process.env.PLANT === '1') expect(1 + 1).toBe(3) })`,
    )
  }
  return `import { appendFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** Which tests ran, in order: what the resumed run executed is counted from it. */
function ran(name: string) {
  if (process.env.PROGRESS) appendFileSync(process.env.PROGRESS, name + '\\n')
}

describe('${name}', () => {
${tests.join('\n')}
})
`
}

function project(name: string): string {
  return generatedProject(
    name,
    `import { defineConfig } from 'vitest/config'
import { heal } from 'vitest-heal'

export default defineConfig({
  plugins: [heal({ history: false, redact: ['hunter2'] })],
  // One file at a time, so that "halfway" is a point in a known order.
  test: { include: ['test/**/*.test.ts'], fileParallelism: false },
})
`,
    Object.fromEntries(FILES.map((f) => [`${f}.test.ts`, testFile(f)])),
  )
}

function journalOf(dir: string): string {
  const journals = join(dir, '.vitest-heal', 'journal')
  const names = existsSync(journals) ? readdirSync(journals).sort() : []
  const last = names.at(-1)
  return last ? join(journals, last) : ''
}

function testRecords(journal: string): TestRecord[] {
  if (!journal || !existsSync(journal)) return []
  return parseJournal(readFileSync(journal, 'utf8')).records.filter((r): r is TestRecord => r.t === 'test')
}

/**
 * `vitest-heal run` in its own process group, SIGKILLed (with its workers) once the journal holds
 * `after` test records: the runner dies mid-run, as under the OOM killer or a CI timeout.
 */
async function killedRun(dir: string, env: Record<string, string>, after: number): Promise<number> {
  rmSync(join(dir, '.vitest-heal'), { recursive: true, force: true })
  const child = spawn(process.execPath, [CLI, 'run'], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', CI: 'true', GITHUB_ACTIONS: '', ...env },
    stdio: 'ignore',
    detached: true,
  })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const deadline = Date.now() + 60_000
  let seen = 0
  while (Date.now() < deadline) {
    seen = testRecords(journalOf(dir)).length
    if (seen >= after) break
    await new Promise((r) => setTimeout(r, 20))
  }
  process.kill(-(child.pid as number), 'SIGKILL')
  await exited
  return seen
}

function readReport(dir: string): RunReport {
  return JSON.parse(readFileSync(join(dir, '.vitest-heal', 'report.json'), 'utf8')) as RunReport
}

function progress(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []
}

/** A report's tests as an uninterrupted run must give them: durations and times aside. */
function outcomes(report: RunReport | undefined) {
  return (report?.tests ?? [])
    .map((t) => ({
      file: t.file,
      name: t.name,
      outcome: t.outcome,
      cause: t.cause,
      rule: t.rule,
      attempts: t.attempts,
      errors: (t.tries ?? []).map((x) => x.errors.map((e) => e.message)),
    }))
    .sort((x, y) => `${x.file} ${x.name}`.localeCompare(`${y.file} ${y.name}`))
}

describe('a run whose runner was SIGKILLed halfway, resumed', () => {
  const dir = project('resume')
  const progressFile = join(dir, 'progress.txt')
  let uninterrupted: RunReport | undefined
  let killedAt = 0
  let carriedIds: string[] = []
  let resumed: Awaited<ReturnType<typeof runCli>>

  beforeAll(async () => {
    const full = await runVitest(dir, { wrapper: true, env: { PLANT: '1' } })
    expect(full.code).toBe(1)
    uninterrupted = full.report
    killedAt = await killedRun(dir, { PLANT: '1' }, Math.ceil(TOTAL / 2))
    const journal = journalOf(dir)
    carriedIds = testRecords(journal)
      .filter((r) => r.test.outcome !== 'failed')
      .map((r) => r.id)
    // A record cut mid-write by the kill: read back, it must be ignored.
    appendFileSync(journal, '{"t":"test","id":"torn","pass":1,"test":{"file":"test/a.test.ts","na')
    rmSync(progressFile, { force: true })
    resumed = await runCli(['run', '--resume'], { PLANT: '1', PROGRESS: progressFile, CI: 'true' }, dir)
  }, 120_000)

  test('the kill came halfway: some tests done, the run unfinished', () => {
    expect(uninterrupted?.summary.total).toBe(TOTAL)
    expect(killedAt).toBeGreaterThanOrEqual(Math.ceil(TOTAL / 2))
    expect(carriedIds.length).toBeGreaterThan(0)
    expect(carriedIds.length).toBeLessThan(TOTAL)
  })

  test('--resume executes only the tests not passed in the dead run, and says what it carried', () => {
    const executed = progress(progressFile)
    expect(executed.length).toBe(TOTAL - carriedIds.length)
    expect(new Set(executed).size).toBe(executed.length)
    // The planted bug had run and failed before the kill, or never ran: either way it runs again.
    expect(executed).toContain('b > planted bug')
    const report = readReport(dir)
    expect(report.resumedFrom).toMatchObject({ executed: executed.length, carried: carriedIds.length })
    expect(resumed.output).toMatch(/--resume: run \S+ died; \d+ test\(s\) done there are carried over/)
    expect(resumed.output).toContain('1 torn record(s) ignored')
    // Redacted like the reports: the secret in a test name never reaches the disk. The resumed
    // run's journal holds every test, the carried ones copied.
    const journal = readFileSync(journalOf(dir), 'utf8')
    expect(journal).toContain('a > t1 as ***')
    expect(journal).not.toContain('hunter2')
    expect(testRecords(journalOf(dir)).length).toBe(TOTAL)
  })

  test('its merged report equals the uninterrupted run: same tests, same outcomes, the planted bug red', () => {
    const report = readReport(dir)
    expect(outcomes(report)).toEqual(outcomes(uninterrupted))
    expect(report.summary).toEqual(uninterrupted?.summary)
    expect(report.outcome).toBe('failed')
    expect(resumed.code).toBe(1)
    // Every other report is the merged one too.
    const junit = readFileSync(join(dir, '.vitest-heal', 'junit.xml'), 'utf8')
    expect(junit.match(/<testcase /g)?.length).toBe(TOTAL)
  })

  test('--resume after a run that completed runs nothing and exits with its result', async () => {
    rmSync(progressFile, { force: true })
    const again = await runCli(['run', '--resume'], { PLANT: '1', PROGRESS: progressFile }, dir)
    expect(again.output).toMatch(/the last run \(\S+\) completed, failed: nothing to resume/)
    expect(progress(progressFile)).toEqual([])
    expect(again.code).toBe(1)
  })

  test('--last-failed runs exactly the failed test of the last complete run', async () => {
    rmSync(progressFile, { force: true })
    const lastFailed = await runCli(['run', '--last-failed'], { PLANT: '1', PROGRESS: progressFile }, dir)
    expect(progress(progressFile)).toEqual(['b > planted bug'])
    expect(outcomes(readReport(dir)).map((t) => [t.name, t.outcome])).toEqual([['b > planted bug', 'failed']])
    expect(lastFailed.code).toBe(1)
  })
})

describe('the same project without the planted bug', () => {
  test('killed halfway and resumed: everything passed, exit 0', async () => {
    const dir = project('resume-green')
    const progressFile = join(dir, 'progress.txt')
    await killedRun(dir, { PLANT: '0' }, Math.ceil(TOTAL / 2))
    const carried = testRecords(journalOf(dir)).length
    const resumed = await runCli(['run', '--resume'], { PLANT: '0', PROGRESS: progressFile }, dir)
    const report = readReport(dir)
    expect(progress(progressFile).length).toBe(TOTAL - carried)
    expect(report.summary).toMatchObject({ total: TOTAL, passed: TOTAL, failed: 0 })
    expect(report.resumedFrom).toMatchObject({ carried, executed: TOTAL - carried })
    expect(resumed.code).toBe(0)
  }, 120_000)
})
