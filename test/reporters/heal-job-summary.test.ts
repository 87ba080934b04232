/**
 * The GitHub job summary end to end: a real Vitest run of a tiny project with the heal() plugin and
 * GITHUB_ACTIONS=true. The step summary must hold vitest-heal's summary of the healed run (with the
 * flaky test and the test bug) and not Vitest's own, and stdout must carry our annotations.
 */
import type { SpawnSyncReturns } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtureProject, runFixtureVitest } from './run-fixture.js'

const project = fixtureProject('heal-job-summary')
const dir = mkdtempSync(join(tmpdir(), 'heal-own-job-summary-'))
const summaryFile = join(dir, 'step-summary.md')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let run: SpawnSyncReturns<string>
let summary: string

beforeAll(() => {
  // GitHub creates the file empty before the step and reads it after; reporters append to it.
  writeFileSync(summaryFile, '')
  run = runFixtureVitest(project, {
    GITHUB_ACTIONS: 'true',
    GITHUB_STEP_SUMMARY: summaryFile,
    HEAL_REPORT_DIR: join(dir, 'report'),
  })
  summary = readFileSync(summaryFile, 'utf8')
}, 90_000)

describe('the GitHub job summary of a run with the heal() plugin', () => {
  it('is vitest-heal’s, once, and Vitest’s own is not written', () => {
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(1)
    expect(summary.match(/^## vitest-heal: ❌ failed$/gm)).toHaveLength(1)
    expect(summary).not.toContain('Vitest Test Report')
  })

  it('tells the healed story: the flaky test and the test bug in their tables', () => {
    expect(summary).toMatch(/^### Flaky \(1\)$/m)
    expect(summary).toMatch(/^\| answers in time on a retry \| sample\.spec\.ts:10 \|/m)
    expect(summary).toMatch(/^### Test bugs \(1\)$/m)
    // The line the failure points at (the assertion), read from its stack: no includeTaskLocation needed.
    expect(summary).toMatch(/^\| planted bug: the total is wrong \| sample\.spec\.ts:16 \|/m)
    expect(summary).toMatch(/^\| total \| 3 \|$/m)
  })

  it('annotates the test bug as an error and the flaky test as a warning', () => {
    const stdout = String(run.stdout)
    expect(stdout).toMatch(
      /^::error file=sample\.spec\.ts,line=16,title=Test bug%3A planted bug%3A the total is wrong::expected 4 to be 5/m,
    )
    expect(stdout).toMatch(
      /^::warning file=sample\.spec\.ts,line=10,title=Flaky%3A answers in time on a retry::passed after 2 attempts/m,
    )
    // One account of the run: Vitest's own github-actions reporter (an ::error per failed try) is off.
    expect(stdout.match(/^::error /gm)).toHaveLength(1)
  })
})
