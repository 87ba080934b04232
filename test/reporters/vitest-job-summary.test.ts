/**
 * With our GitHub report on, Vitest's own github-actions reporter must be off (users would get two
 * job summaries, and an ::error for every failed try, healed or not). Runs a
 * real Vitest on a one-test project with GITHUB_ACTIONS=true, with and without the change.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { withoutVitestGithubActions } from '../../src/reporters/index.js'

const here = dirname(fileURLToPath(import.meta.url))
const project = join(here, 'fixtures/job-summary')
const vitestBin = join(here, '../../node_modules/vitest/vitest.mjs')
const dir = mkdtempSync(join(tmpdir(), 'heal-job-summary-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function stepSummaryAfterRun(ownSummary: boolean): string {
  const file = join(dir, `summary-${ownSummary}.md`)
  writeFileSync(file, '')
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GITHUB_ACTIONS: 'true',
    GITHUB_STEP_SUMMARY: file,
    HEAL_OWN_JOB_SUMMARY: ownSummary ? '1' : '0',
  }
  // The child is a fresh Vitest run, not a worker of this one.
  for (const key of ['VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID']) delete env[key]
  execFileSync(process.execPath, [vitestBin, 'run', '--root', project], {
    env,
    stdio: 'pipe',
    timeout: 60_000,
  })
  return readFileSync(file, 'utf8')
}

describe('withoutVitestGithubActions', () => {
  it('removes github-actions in every form an entry takes, and keeps the other reporters', () => {
    const custom = { onWritePath: 'x', jobSummary: { outputPath: 'a.md' } }
    expect(
      withoutVitestGithubActions(['default', 'github-actions', ['github-actions', custom], ['junit', {}]]),
    ).toEqual(['default', ['junit', {}]])
  })

  it('keeps a real Vitest from writing its job summary', () => {
    expect(stepSummaryAfterRun(false)).not.toBe('')
    expect(stepSummaryAfterRun(true)).toBe('')
  })
})
