/**
 * One story in the terminal: a person who reads only the last 20 lines of a real run knows what
 * happened. A generated project whose PostgreSQL is SIGKILLed while a `beforeAll` holds a
 * connection (Vitest prints its failed suite and a second pass re-runs it), plus a planted bug.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startPostgres, type PgHandle } from '../helpers/postgres.js'
import { runVitest, waitForProgress } from './harness.js'
import { generateSuite } from './outage-suite.js'

let pg: PgHandle
beforeAll(async () => {
  pg = await startPostgres()
})
afterAll(async () => {
  await pg?.close()
})

/** The last `count` lines a person sees, blank trailing lines aside. */
function lastLines(output: string, count: number): string[] {
  return output.trimEnd().split('\n').slice(-count)
}

test(
  'the last 20 lines name the healed tests and their recovery, the bug, the report and the exit status',
  { timeout: 240_000 },
  async () => {
    const dir = generateSuite('terminal-story', {
      files: 0,
      testsPerFile: 3,
      beforeAllFiles: 1,
      plantBug: true,
      maxWorkers: 2,
    })
    const scratch = mkdtempSync(join(tmpdir(), 'vitest-heal-e2e-'))
    const go = join(scratch, 'go')
    const ready = join(scratch, 'ready')
    const run = runVitest(dir, {
      env: {
        FIXTURE_PG_URL: pg.url,
        FIXTURE_RECOVER: JSON.stringify([{ pgCtl: pg.dataDir }]),
        FIXTURE_GO: go,
        FIXTURE_READY: ready,
      },
    })
    expect(await waitForProgress(ready, 1)).toBe(true)
    await pg.killHard()
    writeFileSync(go, '')
    const result = await run

    const healed = result.report?.tests.filter((t) => t.outcome === 'healed') ?? []
    expect(healed, result.output).toHaveLength(3)
    const tail = lastLines(result.output, 20)
    const text = tail.join('\n')
    // Each healed test by file:line and name, with its service, the recovery and its time.
    for (const test of healed) {
      expect(text, text).toMatch(
        new RegExp(
          `✚ test/before-all-0\\.test\\.ts:\\d+ › ${test.name} {2}\\[db [^\\]]*\\d+\\.\\d\\d s[^\\]]*, rule `,
        ),
      )
    }
    expect(text).toContain('Vitest above shows them retried, failed or skipped')
    // The planted bug, what it said, and that it is why the run fails.
    expect(text).toMatch(/✗ test\/planted-bug\.test\.ts:\d+ › planted bug: the total is wrong {2}\[rule /)
    expect(text).toContain('expected 6 to be 7')
    expect(text).toContain(' Report: .vitest-heal/index.html')
    expect(text).toMatch(
      /Heal {2}✓ \d+ passed {2}✚ 3 healed \(db [^)]*\) {2}~ 0 flaky {2}✗ 1 test bug {2}✗ 0 infra/,
    )
    expect(tail.at(-1)).toBe(' ✗ FAILED — exit code 1: 1 test bug')
    expect(result.code).toBe(1)
  },
)
