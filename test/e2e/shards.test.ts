/**
 * A sharded run, for real: the basic example (an owned PostgreSQL and an owned app server) run as
 * `vitest run --shard=i/3` three times, each in its own copy so each writes its own report
 * directory as three CI machines would, then `vitest-heal merge` (the built CLI) over the three.
 * The merged report must be the unsharded run's, test for test, with every shard's recoveries.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { parse } from 'test-results-parser'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { RunReport } from '../../src/core/report.js'
import { ROOT, runCli, runVitest, type RunResult } from './harness.js'

const EXAMPLE = join(ROOT, 'examples/basic')
const WORK = join(ROOT, 'test/e2e/.generated/shards')
const SHARDS = [1, 2, 3]
const shardDir = (i: number) => join(WORK, `shard-${i}`)
const REPORT_DIR = '.vitest-heal'

/** A real test bug, so the merged outcome and exit code have something to carry across shards. */
const PLANTED_BUG = `import { expect, test } from 'vitest'
test('planted bug: the total is wrong', () => {
  expect(2 + 2).toBe(5)
})
test('planted neighbour passes', () => {
  expect(2 + 2).toBe(4)
})
`

/** A copy of the example, with the planted bug; the app's fixed port means the runs go one at a time. */
function copyExample(dir: string): string {
  rmSync(dir, { recursive: true, force: true })
  cpSync(EXAMPLE, dir, {
    recursive: true,
    filter: (src) => !/[/\\](node_modules|\.vitest-heal|\.vitest-attachments)$/.test(src),
  })
  writeFileSync(join(dir, 'test/planted-bug.test.ts'), PLANTED_BUG)
  return dir
}

/** A project holding only a vitest config with `heal(<options>)`: where a merge job runs. */
function projectWith(name: string, healOptions: string): string {
  const project = join(WORK, name)
  mkdirSync(project, { recursive: true })
  writeFileSync(
    join(project, 'vitest.config.ts'),
    `import { defineConfig } from 'vitest/config'
import { heal, postgres } from 'vitest-heal'
export default defineConfig({ plugins: [heal(${healOptions})] })
`,
  )
  return project
}

const shardReportDirs = () => SHARDS.map((i) => join(shardDir(i), REPORT_DIR))

const testKey = (t: RunReport['tests'][number]) => `${t.file} › ${t.name}`
const outcomes = (report: RunReport) =>
  report.tests.map((t) => `${testKey(t)}: ${t.outcome}${t.cause ? ` (${t.cause})` : ''}`).sort()

let unsharded: RunResult
const shards: RunResult[] = []
let merge: RunResult
let merged: RunReport
const MERGED = join(WORK, 'merged')

beforeAll(async () => {
  mkdirSync(WORK, { recursive: true })
  unsharded = await runVitest(copyExample(join(WORK, 'unsharded')))
  for (const i of SHARDS) shards.push(await runVitest(copyExample(shardDir(i)), { args: [`--shard=${i}/3`] }))
  const dirs = SHARDS.map((i) => relative(WORK, join(shardDir(i), REPORT_DIR)))
  merge = await runCli(['merge', ...dirs, '--out', 'merged'], { GITHUB_ACTIONS: '' }, WORK)
  merged = JSON.parse(readFileSync(join(MERGED, 'report.json'), 'utf8')) as RunReport
}, 180_000)

afterAll(() => rmSync(WORK, { recursive: true, force: true }))

describe('three shards of the example, merged', () => {
  test('each shard ran a part of the files, and together all of them once', () => {
    for (const run of [unsharded, ...shards]) expect(run.report, run.output).toBeDefined()
    const files = shards.map((s) => [...new Set(s.report!.tests.map((t) => t.file))])
    for (const part of files) expect(part.length).toBeGreaterThan(0)
    expect(files.flat().sort()).toEqual([...new Set(unsharded.report!.tests.map((t) => t.file))].sort())
  })

  test('the merged report is the unsharded run, test for test', () => {
    expect(merge.code, merge.output).toBe(1)
    const sum = shards.reduce((n, s) => n + s.report!.summary.total, 0)
    expect(merged.summary.total).toBe(sum)
    expect(merged.summary).toEqual(unsharded.report!.summary)
    expect(outcomes(merged)).toEqual(outcomes(unsharded.report!))
    expect(merged.tests.find((t) => t.name === 'planted bug: the total is wrong')).toMatchObject({
      outcome: 'failed',
      cause: 'test-bug',
    })
    expect(merged.outcome).toBe('failed')
    // The shards' exit codes, like the merge's, are the run's outcome: only the shard with the bug failed.
    expect(shards.map((s) => s.code)).toEqual(shards.map((s) => (s.report!.outcome === 'passed' ? 0 : 1)))
  })

  test('every shard’s recoveries and health events are kept, labelled with their shard', () => {
    const dirs = SHARDS.map((i) => `shard-${i}/${REPORT_DIR}`)
    expect(merged.mergedFrom).toEqual(dirs)
    const perShard = (r: { source?: string }[]) => dirs.map((d) => r.filter((x) => x.source === d).length)
    expect(perShard(merged.recoveries)).toEqual(shards.map((s) => s.report!.recoveries.length))
    // Each machine started its own PostgreSQL before its tests: a start on its timeline, not a recovery.
    for (const dir of dirs) {
      const started = (merged.timeline ?? []).filter((e) => e.source === dir && e.service === 'db')
      expect(started.map((e) => e.state).slice(0, 2)).toEqual(['starting', 'healthy'])
    }
    expect(perShard(merged.timeline ?? [])).toEqual(shards.map((s) => s.report!.timeline?.length ?? 0))
  })

  test('junit.xml and index.html hold every test of every shard', async () => {
    const junit = parse({ type: 'junit', files: [join(MERGED, 'junit.xml')] })
    // The parser counts skipped tests apart from its total.
    const { total, passed, failed, skipped } = merged.summary
    expect([junit.total + junit.skipped, junit.passed, junit.failed, junit.skipped]).toEqual([
      total,
      passed,
      failed,
      skipped,
    ])
    const html = readFileSync(join(MERGED, 'index.html'), 'utf8')
    for (const t of merged.tests) expect(html).toContain(`<td>${t.name.replaceAll('>', '&gt;')}</td>`)
    expect(merge.stdout).toContain(`${merged.summary.total} tests`)
  })

  test('the reporter options come from the heal() plugin of the config in the working directory', async () => {
    const project = projectWith('config-only', `{ reporters: ['json'], reportDir: 'merged-here' }`)
    const run = await runCli(['merge', ...shardReportDirs()], {}, project)
    expect(run.code, run.output).toBe(1)
    expect(existsSync(join(project, 'merged-here/report.json'))).toBe(true)
    expect(existsSync(join(project, 'merged-here/junit.xml'))).toBe(false)
    // The summary reporter is off too: no one-line summary.
    expect(run.stdout).not.toContain(' Heal ')

    // The same config named with --config from another directory.
    const named = await runCli(
      ['merge', ...shardReportDirs(), '--config', 'config-only/vitest.config.ts', '--out', 'named'],
      {},
      WORK,
    )
    expect(named.code, named.output).toBe(1)
    expect(readdirSync(join(WORK, 'named'))).toEqual(['report.json'])
  })

  test('a config that cannot load where the merge runs (no DATABASE_URL there) leaves the defaults, and says so', async () => {
    const project = projectWith(
      'needs-env',
      `{ reporters: ['json'], services: { db: postgres({ url: process.env.DATABASE_URL }) } }`,
    )
    const dirs = shardReportDirs()
    const run = await runCli(['merge', ...dirs], { DATABASE_URL: '' }, project)
    expect(run.code, run.output).toBe(1)
    expect(run.stdout).toMatch(
      /the vitest config here could not be loaded \(.*services\.db\.url.*\); default report options used/,
    )
    expect(readdirSync(join(project, '.vitest-heal')).sort()).toEqual([
      'index.html',
      'junit.xml',
      'report.json',
    ])

    const named = await runCli(
      ['merge', ...dirs, '--config', 'vitest.config.ts'],
      { DATABASE_URL: '' },
      project,
    )
    expect(named.code).toBe(1)
    expect(named.stderr).toContain('services.db.url')
  })
})
