/**
 * Option `quarantine` for real: two runs in which a test times out once and passes on its retry
 * make it known-flaky in the history; in the next run it times out on every try. It is reported,
 * marked and does not fail the run — while a planted assertion bug in the same run still does.
 */
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { flushSpool, withHistoryStore } from '../../src/history/record.js'
import { byName, generatedProject, runVitest } from './harness.js'

const CONFIG = `import { defineConfig } from 'vitest/config'
import { heal } from 'vitest-heal'
export default defineConfig({
  plugins: [heal({ quarantine: true, history: { dir: 'history' }, reporters: ['json', 'summary'] })],
})
`
const FILES = {
  'slow.test.ts': `import { existsSync, writeFileSync } from 'node:fs'
import { test } from 'vitest'
// SLOW_MODE=flaky: the first try of a run is too slow (a real timeout), the retry is not. SLOW_MODE=broken: every try is.
test('sometimes slow', { timeout: 100 }, async () => {
  const marker = process.env.TRY_MARKER!
  const slow = process.env.SLOW_MODE === 'broken' || !existsSync(marker)
  writeFileSync(marker, '')
  if (slow) await new Promise((resolve) => setTimeout(resolve, 400))
})
`,
  'bug.test.ts': `import { expect, test } from 'vitest'
test('planted bug', () => {
  expect(process.env.BUG === '1' ? 1 + 1 : 2).toBe(2 + Number(process.env.BUG === '1'))
})
`,
}

let dir: string
const run = (i: number, env: Record<string, string>) =>
  runVitest(dir, { env: { TRY_MARKER: join(dir, `try-${i}`), ...env } })

describe('quarantine', () => {
  beforeAll(async () => {
    dir = generatedProject('quarantine', CONFIG, FILES)
    for (const i of [1, 2]) {
      const flaky = await run(i, { SLOW_MODE: 'flaky' })
      expect(byName(flaky.report).get('sometimes slow')?.outcome, flaky.output).toBe('flaky')
    }
    // What a detached ingest (or `vitest-heal stats`) does between runs: the spool into the store.
    await withHistoryStore({ dir: join(dir, 'history') }, (sql) =>
      flushSpool({ dir: join(dir, 'history') }, sql),
    )
  }, 180_000)

  test(
    'a known-flaky test failing every try is quarantined; the planted bug still fails the run',
    { timeout: 60_000 },
    async () => {
      const result = await run(3, { SLOW_MODE: 'broken', BUG: '1' })
      const tests = byName(result.report)
      expect(tests.get('sometimes slow')).toMatchObject({ outcome: 'failed', quarantined: { flakyRuns: 2 } })
      expect(tests.get('planted bug')).toMatchObject({ outcome: 'failed', cause: 'test-bug' })
      expect(tests.get('planted bug')?.quarantined).toBeUndefined()
      // What the history knew of each: the HTML, junit and terminal show it (tests[].history).
      expect(tests.get('planted bug')?.history).toEqual({ status: 'new' })
      expect(tests.get('sometimes slow')?.history).toMatchObject({ status: 'known-flaky', flakyRuns: 2 })
      expect(result.report?.outcome).toBe('failed')
      expect(result.code, result.output).toBe(1)
    },
  )

  test('with no other failure the run passes, and the terminal says why', { timeout: 60_000 }, async () => {
    const result = await run(4, { SLOW_MODE: 'broken' })
    expect(result.report).toMatchObject({ outcome: 'passed', summary: { failed: 1, quarantined: 1 } })
    expect(result.output).toMatch(/Quarantined \(1\)/)
    expect(result.output).toMatch(/sometimes slow[^\n]*flaky in 2 of \d+ runs/)
    expect(result.output).toMatch(/⊘ 1 quarantined/)
    expect(result.code, result.output).toBe(0)
  })
})
