/**
 * Which tests are healed: with `optIn`, only tests tagged `needs:*`/`heal` or claimed by a service's
 * `tests` globs; `heal:off` never. Every test here sees the same real outage (its first try runs on a
 * connection that died with the server); only the healed ones are retried.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startPostgres, type PgHandle } from '../helpers/postgres.js'
import { byName, ROOT, runVitest, waitForProgress } from './harness.js'

let pg: PgHandle
beforeAll(async () => {
  pg = await startPostgres()
})
afterAll(async () => {
  await pg?.close()
})

const CONFIG = `import { defineConfig } from 'vitest/config'
import { heal, pgCtl, postgres } from 'vitest-heal'

export default defineConfig({
  plugins: [
    heal({
      optIn: true,
      services: {
        db: postgres({ url: process.env.FIXTURE_PG_URL, recover: [pgCtl(process.env.FIXTURE_PG_DATA)], tests: ['test/claimed/**'] }),
      },
    }),
  ],
  test: { include: ['test/**/*.test.ts'], maxWorkers: 4 },
})
`

/** First try: a query on a connection made before the crash (it fails for sure). Retries: a fresh one. */
const TEST_FILE = (name: string, options: string) => `import { appendFileSync, existsSync } from 'node:fs'
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

test('optIn heals tagged and glob-claimed tests only; heal:off is never retried', { timeout: 240_000 }, async () => {
  const dir = join(ROOT, 'test/e2e/.generated/opt-in')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'test/claimed'), { recursive: true })
  writeFileSync(join(dir, 'vitest.config.ts'), CONFIG)
  writeFileSync(join(dir, 'test/claimed/by-glob.test.ts'), TEST_FILE('claimed by glob', ''))
  writeFileSync(join(dir, 'test/tagged.test.ts'), TEST_FILE('tagged needs:db', "{ tags: ['needs:db'] }, "))
  writeFileSync(join(dir, 'test/untagged.test.ts'), TEST_FILE('not opted in', ''))
  writeFileSync(join(dir, 'test/off.test.ts'), TEST_FILE('heal:off', "{ tags: ['needs:db', 'heal:off'] }, "))
  const scratch = mkdtempSync(join(tmpdir(), 'vitest-heal-e2e-'))
  const ready = join(scratch, 'ready')
  const go = join(scratch, 'go')
  const run = runVitest(dir, {
    env: { FIXTURE_PG_URL: pg.url, FIXTURE_PG_DATA: pg.dataDir, FIXTURE_READY: ready, FIXTURE_GO: go },
  })
  expect(await waitForProgress(ready, 4)).toBe(true)
  await pg.killHard()
  writeFileSync(go, '')
  const result = await run
  const tests = byName(result.report)
  expect(tests.get('claimed by glob'), result.output).toMatchObject({ outcome: 'healed', service: 'db', attempts: 2 })
  expect(tests.get('tagged needs:db')).toMatchObject({ outcome: 'healed', service: 'db', attempts: 2 })
  expect(tests.get('not opted in')).toMatchObject({ outcome: 'failed', cause: 'infra', attempts: 1 })
  expect(tests.get('heal:off')).toMatchObject({ outcome: 'failed', cause: 'infra', attempts: 1 })
  expect(result.code).toBe(1)
})
