/**
 * Nothing lost, nothing doubled, for real: real `vitest run`s of a generated project with a planted
 * test bug record into a real PostgreSQL; the history server is SIGKILLed, a run goes on without it
 * (its events wait in the spool), the server comes back, the next run writes both runs' events. A
 * spool file re-sent (a crash after the commit, before its removal) adds no row. The planted bug
 * stays red in report.json and in the exit code throughout.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { flushSpool, historyPaths, withHistoryStore } from '../../../src/history/record.js'
import { ROOT, runCli, runVitest } from '../../e2e/harness.js'
import { queryOnce, startPostgres, type PgHandle } from '../../helpers/postgres.js'

const CONFIG = `import { defineConfig } from 'vitest/config'
import { heal } from 'vitest-heal'

export default defineConfig({
  plugins: [heal({ history: { url: process.env.HISTORY_URL, dir: 'history' } })],
  test: { include: ['test/**/*.test.ts'] },
})
`

const TESTS = `import { expect, test } from 'vitest'

test('adds', () => {
  expect(1 + 1).toBe(2)
})

// The planted bug: no history state may ever turn it green.
test('totals the cart', () => {
  expect([1, 2].length).toBe(3)
})
`

const dir = join(ROOT, 'test/e2e/.generated', 'history-nothing-lost')
const spool = historyPaths(join(dir, 'history')).spool
let history: PgHandle

async function counts() {
  const [row] = await queryOnce<{ runs: number; failures: number }>(
    history.url,
    'select (select count(*) from runs)::integer as runs, (select count(*) from test_failures)::integer as failures',
  )
  return row
}

function expectPlantedBugRed(result: Awaited<ReturnType<typeof runVitest>>) {
  expect(result.code, result.output).toBe(1)
  const bug = result.report?.tests.find((t) => t.name === 'totals the cart')
  expect(bug).toMatchObject({ outcome: 'failed', cause: 'test-bug' })
}

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'test'), { recursive: true })
  writeFileSync(join(dir, 'vitest.config.ts'), CONFIG)
  writeFileSync(join(dir, 'test', 'cart.test.ts'), TESTS)
  history = await startPostgres()
}, 60_000)

afterAll(async () => {
  await history?.close()
})

describe('a shared history store that dies', { timeout: 120_000 }, () => {
  test('up: the run is recorded at its end, the spool emptied', async () => {
    const result = await runVitest(dir, { env: { HISTORY_URL: history.url } })
    expectPlantedBugRed(result)
    expect(await counts()).toEqual({ runs: 1, failures: 1 })
    expect(readdirSync(spool)).toEqual([])
  })

  test('down: the run goes on, says so once, and keeps its events in the spool', async () => {
    await history.killHard()
    const result = await runVitest(dir, { env: { HISTORY_URL: history.url } })
    expectPlantedBugRed(result)
    expect(result.stderr).toMatch(
      /vitest-heal history: the shared store could not be written .*2 event\(s\) kept/,
    )
    expect(readdirSync(spool).filter((f) => f.endsWith('.jsonl'))).toHaveLength(1)
  })

  test('back: the next run writes both runs, none lost, none doubled; a re-sent spool adds nothing', async () => {
    await history.start()
    const [waiting] = readdirSync(spool).filter((f) => f.endsWith('.jsonl'))
    copyFileSync(join(spool, waiting!), join(dir, 'resend.jsonl'))
    const result = await runVitest(dir, { env: { HISTORY_URL: history.url } })
    expectPlantedBugRed(result)
    expect(await counts()).toEqual({ runs: 3, failures: 3 })
    expect(readdirSync(spool)).toEqual([])

    // As if a run had died after the commit and before removing its spool file.
    copyFileSync(join(dir, 'resend.jsonl'), join(spool, waiting!))
    const target = { dir: join(dir, 'history'), url: history.url }
    const flushed = await withHistoryStore(target, (sql) => flushSpool(target, sql))
    expect(flushed).toEqual({ files: 1, offered: 2, inserted: 0 })
    expect(await counts()).toEqual({ runs: 3, failures: 3 })
  })

  test('vitest-heal stats --json reads the same store', async () => {
    const result = await runCli(['stats', '--json'], { HISTORY_URL: history.url }, dir)
    expect(result.code, result.output).toBe(0)
    const stats = JSON.parse(result.stdout) as { runs: number; events: { failures: number } }
    expect(stats.runs).toBe(3)
    expect(stats.events.failures).toBe(3)
  })
})
