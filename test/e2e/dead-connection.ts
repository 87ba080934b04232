/**
 * The e2e scenario "the database dies under a connection a test already holds", shared by the e2e
 * tests that need a real outage at a known point: each generated test file connects at load, says
 * so (one byte in FIXTURE_READY), waits for FIXTURE_GO and then queries on that connection, which
 * fails for sure once the server was SIGKILLed. Its retries use a fresh connection.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PgHandle } from '../helpers/postgres.js'
import { runVitest, waitForProgress, type RunResult } from './harness.js'

/** A test file with one such test; `options` is the text between the name and the body (`{ tags: [...] }, `). */
export function deadConnectionTest(name: string, options = ''): string {
  return `import { appendFileSync, existsSync } from 'node:fs'
import pg from 'pg'
import { expect, test } from 'vitest'

const early = new pg.Client({ connectionString: process.env.FIXTURE_PG_URL })
early.on('error', () => {})
await early.connect()
appendFileSync(process.env.FIXTURE_READY!, '.')
let tries = 0

test(${JSON.stringify(name)}, ${options}async () => {
  tries++
  if (tries === 1) {
    while (!existsSync(process.env.FIXTURE_GO!)) await new Promise((r) => setTimeout(r, 20))
    await early.query('SELECT 1')
  }
  const fresh = new pg.Client({ connectionString: process.env.FIXTURE_PG_URL })
  await fresh.connect()
  const { rows } = await fresh.query('SELECT 1 AS one')
  await fresh.end()
  expect(rows[0].one).toBe(1)
})
`
}

/**
 * Runs `vitest run` in `dir`, waits until `holders` test files hold their connection, SIGKILLs the
 * database and lets them query. The config reads FIXTURE_PG_URL and FIXTURE_PG_DATA.
 */
export async function runThroughCrash(dir: string, pg: PgHandle, holders: number): Promise<RunResult> {
  const scratch = mkdtempSync(join(tmpdir(), 'vitest-heal-e2e-'))
  const ready = join(scratch, 'ready')
  const go = join(scratch, 'go')
  try {
    const run = runVitest(dir, {
      env: { FIXTURE_PG_URL: pg.url, FIXTURE_PG_DATA: pg.dataDir, FIXTURE_READY: ready, FIXTURE_GO: go },
    })
    if (!(await waitForProgress(ready, holders))) {
      writeFileSync(go, '')
      throw new Error(`${holders} test files did not connect:\n${(await run).output.slice(-3000)}`)
    }
    await pg.killHard()
    writeFileSync(go, '')
    return await run
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}
