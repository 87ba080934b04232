import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { summarize } from '../../../src/core/outcome.js'
import type { OutsideError, RunReport, TestReport } from '../../../src/core/report.js'
import { HealConfigError } from '../../../src/errors.js'
import { mergeReportDirs, mergeReports } from '../../../src/reporters/index.js'
import { captureStream, exampleReport, EXAMPLE_DIR } from '../../reporters/fixtures/example-report.js'

const root = mkdtempSync(join(tmpdir(), 'heal-merge-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const SHARD_FILES = [
  ['test/users.test.ts'],
  ['test/orders.test.ts', 'test/search.test.ts'],
  ['test/health.test.ts'],
]
const SHARD_SERVICES = [['db'], ['db'], ['app']]

/** The example run as `vitest --shard i/3` would have split it: by file, each shard healing its own services. */
function shard(i: number): RunReport {
  const full = exampleReport()
  const files = SHARD_FILES[i]!
  const services = SHARD_SERVICES[i]!
  const tests = full.tests.filter((t) => files.includes(t.file))
  const timed = tests.flatMap((t) => t.tries ?? []).map((t) => Date.parse(t.startedAt!))
  const startedAt = new Date(Math.min(...timed) - 50).toISOString()
  return {
    ...full,
    outcome: tests.some((t) => t.outcome === 'failed') ? 'failed' : 'passed',
    summary: summarize(tests),
    tests,
    // Shard 2 saw the db outage too, but shard 1's worker had already asked for the recovery.
    recoveries: i === 1 ? [] : full.recoveries.filter((r) => services.includes(r.service)),
    timeline: full.timeline!.filter((e) => services.includes(e.service)),
    unhandledErrors: i === 0 ? full.unhandledErrors : [],
    startedAt,
    durationMs: Math.max(...timed) + 1000 - Date.parse(startedAt),
  }
}

/** The user re-ran the greeting test on shard 3's machine, where it passed. */
function rerunGreetingOnShard3(shards: RunReport[]): void {
  const original = shards[0]!.tests.find((t) => t.name === 'users > shows the greeting')!
  const rerun: TestReport = {
    ...original,
    outcome: 'passed',
    cause: null,
    rule: null,
    attempts: 1,
    durationMs: 40,
    attachments: undefined,
    tries: [{ state: 'passed', pass: 1, durationMs: 40, startedAt: '2026-11-23T10:00:06.900Z', errors: [] }],
  }
  shards[2]!.tests.push(rerun)
  shards[2]!.summary = summarize(shards[2]!.tests)
}

describe('mergeReports', () => {
  it('puts the three shards of the example back together', () => {
    const merged = mergeReports([0, 1, 2].map(shard))
    const full = exampleReport()
    expect(merged.summary).toEqual(full.summary)
    expect(merged.outcome).toBe('failed')
    expect(merged.tests.map((t) => `${t.file} ${t.name} ${t.outcome}`).sort()).toEqual(
      full.tests.map((t) => `${t.file} ${t.name} ${t.outcome}`).sort(),
    )
    expect(merged.mergedFrom).toEqual(['shard-1', 'shard-2', 'shard-3'])
    expect(merged.startedAt).toBe('2026-11-23T10:00:00.040Z')
    expect(merged.unhandledErrors).toHaveLength(1)
  })

  it('keeps each shard’s recoveries and health events, labelled with their shard, in time order', () => {
    const merged = mergeReports([0, 1, 2].map(shard), { sources: ['a', 'b', 'c'] })
    expect(merged.recoveries.map((r) => [r.service, r.source, r.ok])).toEqual([
      ['db', 'a', true],
      ['app', 'c', true],
      ['app', 'c', false],
    ])
    const dbEvents = merged.timeline!.filter((e) => e.service === 'db')
    expect(new Set(dbEvents.map((e) => e.source))).toEqual(new Set(['a', 'b']))
    const times = merged.timeline!.map((e) => Date.parse(e.at))
    expect(times).toEqual([...times].sort((x, y) => x - y))
  })

  it('joins the tries of a test re-run in another shard and recomputes its outcome', () => {
    const shards = [0, 1, 2].map(shard)
    rerunGreetingOnShard3(shards)
    const merged = mergeReports(shards)
    const greeting = merged.tests.filter((t) => t.name === 'users > shows the greeting')
    expect(greeting).toHaveLength(1)
    expect(greeting[0]).toMatchObject({ outcome: 'flaky', attempts: 2, rule: 'assertion', durationMs: 84 })
    expect(greeting[0]!.tries!.map((t) => t.state)).toEqual(['failed', 'passed'])
    expect(greeting[0]!.attachments).toHaveLength(1)
    expect(merged.summary).toMatchObject({ testBug: 1, flaky: 2, total: 40 })
  })

  it('keeps the same test of two projects apart: a shard per project is not a re-run', () => {
    const shards = [0, 1, 2].map(shard)
    const original = shards[0]!.tests.find((t) => t.name === 'users > shows the greeting')!
    shards[0]!.tests = shards[0]!.tests.map((t) => ({ ...t, project: 'chromium' }))
    shards[2]!.tests.push({
      ...original,
      project: 'firefox',
      outcome: 'passed',
      cause: null,
      rule: null,
      attempts: 1,
    })
    const merged = mergeReports(shards)
    const greeting = merged.tests.filter((t) => t.name === 'users > shows the greeting')
    expect(greeting.map((t) => [t.project, t.outcome]).sort()).toEqual([
      ['chromium', original.outcome],
      ['firefox', 'passed'],
    ])
  })

  it('keeps two same-named tests of one file apart, and joins each with its own re-run', () => {
    const shards = [0, 1, 2].map(shard)
    const original = shards[0]!.tests.find((t) => t.name === 'users > shows the greeting')!
    const twin = (over: Partial<TestReport>): TestReport => ({
      ...original,
      index: 1,
      outcome: 'passed',
      cause: null,
      rule: null,
      attempts: 1,
      attachments: undefined,
      tries: [{ state: 'passed', pass: 1, durationMs: 5, startedAt: '2026-11-23T10:00:06.950Z', errors: [] }],
      ...over,
    })
    shards[0]!.tests.push(twin({}))
    const merged = mergeReports(shards)
    const greeting = merged.tests.filter((t) => t.name === 'users > shows the greeting')
    expect(greeting.map((t) => [t.index ?? 0, t.outcome])).toEqual([
      [0, 'failed'],
      [1, 'passed'],
    ])
    expect(merged.summary.total).toBe(exampleReport().summary.total + 1)
    expect(merged.outcome).toBe('failed')
  })

  it('keeps every shard’s errors outside tests, labelled, and fails the merge on an unforgiven one', () => {
    const shards = [0, 1]
      .map(shard)
      .map((r) => ({ ...r, tests: r.tests.filter((t) => t.outcome !== 'failed'), unhandledErrors: [] }))
    const hookError: OutsideError = {
      where: 'module',
      file: 'test/orders.test.ts',
      pass: 1,
      name: 'TypeError',
      message: 'boom',
      forgiven: false,
      why: 'not an outage',
    }
    shards[0]!.errors = [{ ...hookError, forgiven: true, why: 'repaired by the second pass' }]
    expect(mergeReports(shards).outcome).toBe('passed')
    shards[1]!.errors = [hookError]
    const merged = mergeReports(shards, { sources: ['a', 'b'] })
    expect(merged.errors?.map((e) => [e.source, e.forgiven])).toEqual([
      ['a', true],
      ['b', false],
    ])
    expect(merged.outcome).toBe('failed')
  })

  it('fails a merged run with only flaky tests when failOnFlaky is set', () => {
    const shards = [0, 1]
      .map(shard)
      .map((r) => ({ ...r, tests: r.tests.filter((t) => t.outcome !== 'failed'), unhandledErrors: [] }))
    expect(mergeReports(shards).outcome).toBe('passed')
    expect(mergeReports(shards, { failOnFlaky: true }).outcome).toBe('failed')
  })
})

describe('mergeReportDirs', () => {
  const dirs = [0, 1, 2].map((i) => join(root, `shard-${i + 1}`))
  dirs.forEach((dir, i) => {
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'report.json'), JSON.stringify(shard(i)))
  })
  cpSync(join(EXAMPLE_DIR, 'screenshots'), join(dirs[0]!, 'screenshots'), { recursive: true })

  it('reads each shard’s report.json and writes every format into the output directory', () => {
    const outDir = join(root, 'merged')
    const stdout = captureStream()
    const result = mergeReportDirs(dirs, outDir, { stdout, env: {} })
    expect(result.failed).toEqual([])
    expect(result.written).toEqual(['json', 'junit', 'html', 'summary'])
    expect(result.exitCode).toBe(1)
    for (const file of ['report.json', 'junit.xml', 'index.html'])
      expect(existsSync(join(outDir, file))).toBe(true)
    const written = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as RunReport
    expect(written.summary).toEqual(exampleReport().summary)
    // The screenshot shard 1 wrote is copied into the merged directory, which is then whole on its own.
    const shot = written.tests.find((t) => t.attachments)!.attachments![0]!
    expect(shot.path).toBe('attachments/users-greeting.png')
    expect(readFileSync(join(outDir, shot.path))).toEqual(
      readFileSync(join(dirs[0]!, 'screenshots/users-greeting.png')),
    )
    expect(readFileSync(join(outDir, 'index.html'), 'utf8')).toContain('src="data:image/png;base64,')
    expect(stdout.text()).toContain(' Heal  ✓ 32 passed')
    expect(readFileSync(join(outDir, 'index.html'), 'utf8')).toContain('data-service="db"')
  })

  it('names the directory that holds no report', () => {
    const empty = join(root, 'empty')
    mkdirSync(empty, { recursive: true })
    const call = () =>
      mergeReportDirs([dirs[0]!, empty], join(root, 'never'), { stdout: captureStream(), env: {} })
    expect(call).toThrow(HealConfigError)
    expect(call).toThrow(
      /merge\.dirs\[1\]: expected a directory holding a vitest-heal report\.json \(version 1\), got ".*empty"/,
    )
    expect(existsSync(join(root, 'never'))).toBe(false)
  })

  it('rejects a report.json of another version', () => {
    const other = join(root, 'v2')
    mkdirSync(other, { recursive: true })
    writeFileSync(join(other, 'report.json'), JSON.stringify({ version: 2, tests: [], recoveries: [] }))
    expect(() => mergeReportDirs([other], join(root, 'never'), { stdout: captureStream(), env: {} })).toThrow(
      /merge\.dirs\[0\]/,
    )
  })
})
