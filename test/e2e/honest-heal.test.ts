/**
 * Issue 10: `healed` means a recovery happened. Real vitest runs of generated projects:
 * - a test whose own server `listen()` races its first request fails with ECONNREFUSED to a port no
 *   declared service owns, and passes on retry: that is `flaky`, never `healed` (with `heal({})` and
 *   with a declared, healthy PostgreSQL), and a planted assertion bug beside it stays red;
 * - a test that asserts on a query result while its PostgreSQL is SIGKILLed inside the try gets one
 *   re-run after the recovery and is `healed / outage-overlap`; the same assertion failing with no
 *   outage is a test bug, never retried, and the run exits 1.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { freePort } from '../../src/services/free-port.js'
import { queryOnce, startPostgres, type PgHandle } from '../helpers/postgres.js'
import { byName, generatedProject, runVitest, waitForProgress } from './harness.js'

let pg: PgHandle

beforeAll(async () => {
  pg = await startPostgres()
  await queryOnce(pg.url, 'CREATE TABLE items (id int primary key)')
  await queryOnce(pg.url, 'INSERT INTO items VALUES (1), (2), (3)')
})
afterAll(async () => {
  await pg?.close()
})

/** A generated project whose config is `heal(<healOptions>)` (see generatedProject). */
function project(name: string, healOptions: string, files: Record<string, string>): string {
  return generatedProject(
    name,
    `import { defineConfig } from 'vitest/config'
import { heal, pgCtl, postgres } from 'vitest-heal'

export default defineConfig({
  plugins: [heal(${healOptions})],
  test: { include: ['test/**/*.test.ts'], testTimeout: 20_000 },
})
`,
    files,
  )
}

/** The repro from the issue: the first try's `listen()` is not awaited, so its request finds nobody. */
const RACY_LISTEN = `import http from 'node:http'
import { expect, test } from 'vitest'

const port = Number(process.env.FIXTURE_PORT)
let tries = 0

function get(): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve(body))
    }).on('error', reject)
  })
}

test('talks to its own server', async () => {
  tries++
  const server = http.createServer((_req, res) => res.end('ok'))
  try {
    if (tries === 1) setTimeout(() => server.listen(port, '127.0.0.1'), 200)
    else await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    expect(await get()).toBe('ok')
  } finally {
    await new Promise((resolve) => setTimeout(resolve, 250))
    server.close()
  }
})

test('planted bug', () => {
  expect(1 + 1).toBe(3)
})
`

describe('a pass on retry with no service found down', () => {
  test.each([
    ['heal({})', '{}', { needsPg: false }],
    [
      'a declared, healthy PostgreSQL',
      `{ services: { db: postgres({ url: process.env.FIXTURE_PG_URL }) } }`,
      { needsPg: true },
    ],
  ])(
    'is flaky, never healed, with %s; the planted bug stays a red test bug',
    { timeout: 120_000 },
    async (_name, options, how) => {
      const dir = project(`racy-listen-${how.needsPg ? 'pg' : 'none'}`, options, {
        'racy.test.ts': RACY_LISTEN,
      })
      const port = await freePort()
      const result = await runVitest(dir, {
        env: { FIXTURE_PORT: String(port), ...(how.needsPg ? { FIXTURE_PG_URL: pg.url } : {}) },
      })
      const tests = byName(result.report)
      expect(result.report, result.output).toBeDefined()
      const racy = tests.get('talks to its own server')
      expect(racy, result.output).toMatchObject({ outcome: 'flaky', cause: null, attempts: 2 })
      expect(racy?.tries?.[0]?.verdict).toMatchObject({ kind: 'infra', rule: 'net.econnrefused' })
      expect(racy?.tries?.[0]?.recovery).toBeUndefined()
      expect(tests.get('planted bug')).toMatchObject({ outcome: 'failed', cause: 'test-bug', attempts: 1 })
      expect(result.report!.summary).toMatchObject({ healed: 0, flaky: 1, testBug: 1 })
      expect(result.report!.recoveries.filter((r) => r.trigger !== 'preflight')).toEqual([])
      expect(result.code).toBe(1)
    },
  )
})

/** Asserts on a query whose error it swallows: with PostgreSQL killed under it, only the assertion fails. */
const COUNTS_ROWS = `import { appendFileSync, existsSync } from 'node:fs'
import pg from 'pg'
import { expect, test } from 'vitest'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function countItems(): Promise<number> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 3_000 })
  client.on('error', () => undefined)
  try {
    await client.connect()
    const { rows } = await client.query('SELECT count(*)::int AS n FROM items')
    return rows[0].n
  } catch {
    return 0
  } finally {
    await client.end().catch(() => undefined)
  }
}

test('counts the seeded items', { tags: ['needs:db'] }, async () => {
  const ready = process.env.FIXTURE_READY
  const go = process.env.FIXTURE_GO
  if (ready && go && !existsSync(go)) {
    // The e2e test kills PostgreSQL now, inside this try, then says go.
    appendFileSync(ready, '.')
    while (!existsSync(go)) await sleep(20)
  }
  expect(await countItems()).toBe(Number(process.env.FIXTURE_EXPECT ?? 3))
})
`

describe('an assertion during a real outage', () => {
  const pgOptions = `{ services: { db: postgres({ url: process.env.FIXTURE_PG_URL, env: 'DATABASE_URL', startTimeout: 20_000, recover: [pgCtl(process.env.FIXTURE_PG_DATA)] }) } }`

  test(
    'with its PostgreSQL killed inside the try: one re-run after recovery, healed / outage-overlap',
    { timeout: 180_000 },
    async () => {
      const dir = project('outage-overlap', pgOptions, { 'counts.test.ts': COUNTS_ROWS })
      const signals = mkdtempSync(join(tmpdir(), 'vitest-heal-overlap-'))
      const ready = join(signals, 'ready')
      const go = join(signals, 'go')
      const run = runVitest(dir, {
        env: { FIXTURE_PG_URL: pg.url, FIXTURE_PG_DATA: pg.dataDir, FIXTURE_READY: ready, FIXTURE_GO: go },
        timeoutMs: 150_000,
      })
      expect(await waitForProgress(ready, 1)).toBe(true)
      await pg.killHard()
      appendFileSync(go, '')
      const result = await run
      const counts = byName(result.report).get('counts the seeded items')
      expect(counts, result.output).toMatchObject({
        outcome: 'healed',
        cause: 'infra',
        service: 'db',
        rule: 'outage-overlap',
        attempts: 2,
      })
      const first = counts!.tries![0]!
      expect(first.hypothesis).toMatchObject({ kind: 'test-bug' })
      expect(first.verdict).toMatchObject({ kind: 'infra', service: 'db', rule: 'outage-overlap' })
      expect(first.recovery).toMatchObject({ service: 'db', by: 'this run', downAt: expect.any(String) })
      expect(
        result.report!.recoveries.some((r) => r.service === 'db' && r.ok && r.trigger === 'inline'),
      ).toBe(true)
      expect(result.code, result.output).toBe(0)
      rmSync(signals, { recursive: true, force: true })
    },
  )

  test(
    'the same assertion failing with no outage is a test bug: never retried, exit 1',
    { timeout: 120_000 },
    async () => {
      await queryOnce(pg.url, 'SELECT 1').catch(() => pg.start())
      const dir = project('outage-overlap-bug', pgOptions, { 'counts.test.ts': COUNTS_ROWS })
      const result = await runVitest(dir, {
        env: { FIXTURE_PG_URL: pg.url, FIXTURE_PG_DATA: pg.dataDir, FIXTURE_EXPECT: '4' },
      })
      const counts = byName(result.report).get('counts the seeded items')
      expect(counts, result.output).toMatchObject({ outcome: 'failed', cause: 'test-bug', attempts: 1 })
      expect(counts!.tries![0]!.recovery).toBeUndefined()
      expect(result.report!.summary).toMatchObject({ healed: 0, testBug: 1 })
      expect(result.code).toBe(1)
    },
  )
})

/** Holds one connection across the outage and uses it only once another test has had it recovered. */
const HOLDS_A_CONNECTION = `import { appendFileSync, existsSync } from 'node:fs'
import pg from 'pg'
import { expect, test } from 'vitest'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
let tries = 0

test('holds a connection across the outage', { tags: ['needs:db'] }, async () => {
  tries++
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL })
  client.on('error', () => undefined)
  await client.connect()
  try {
    if (tries === 1) {
      appendFileSync(process.env.FIXTURE_READY!, '.')
      // The e2e test kills PostgreSQL; the other file's test meets the outage and has it recovered.
      while (!existsSync(process.env.FIXTURE_OTHER_HEALED!)) await sleep(20)
    }
    // Only now, after that recovery finished, does this try meet what the outage left: a dead client.
    const { rows } = await client.query('SELECT count(*)::int AS n FROM items')
    expect(rows[0].n).toBe(3)
  } finally {
    await client.end().catch(() => undefined)
  }
})
`

const MEETS_THE_OUTAGE = `import { existsSync, writeFileSync } from 'node:fs'
import pg from 'pg'
import { expect, test } from 'vitest'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

test('meets the outage first', { tags: ['needs:db'] }, async () => {
  while (!existsSync(process.env.FIXTURE_GO!)) await sleep(20)
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 3_000 })
  client.on('error', () => undefined)
  await client.connect()
  try {
    const { rows } = await client.query('SELECT count(*)::int AS n FROM items')
    expect(rows[0].n).toBe(3)
  } finally {
    await client.end().catch(() => undefined)
  }
  writeFileSync(process.env.FIXTURE_OTHER_HEALED!, '')
})
`

describe('a failure met after another test had its outage recovered', () => {
  test(
    'reuses that recovery: healed, not flaky (the try began before the recovery ended)',
    { timeout: 180_000 },
    async () => {
      const options = `{ services: { db: postgres({ url: process.env.FIXTURE_PG_URL, env: 'DATABASE_URL', startTimeout: 20_000, recover: [pgCtl(process.env.FIXTURE_PG_DATA)] }) } }`
      const dir = project('aftermath', options, {
        'holder.test.ts': HOLDS_A_CONNECTION,
        'other.test.ts': MEETS_THE_OUTAGE,
      })
      // Both files at once: the holder's try must span the other's recovery.
      const config = join(dir, 'vitest.config.ts')
      writeFileSync(
        config,
        readFileSync(config, 'utf8').replace('testTimeout: 20_000', 'testTimeout: 60_000, maxWorkers: 2'),
      )
      const signals = mkdtempSync(join(tmpdir(), 'vitest-heal-aftermath-'))
      const ready = join(signals, 'ready')
      const go = join(signals, 'go')
      const run = runVitest(dir, {
        env: {
          FIXTURE_PG_URL: pg.url,
          FIXTURE_PG_DATA: pg.dataDir,
          FIXTURE_READY: ready,
          FIXTURE_GO: go,
          FIXTURE_OTHER_HEALED: join(signals, 'other-healed'),
        },
        timeoutMs: 150_000,
      })
      expect(await waitForProgress(ready, 1)).toBe(true)
      await pg.killHard()
      appendFileSync(go, '')
      const result = await run
      rmSync(signals, { recursive: true, force: true })
      const tests = byName(result.report)
      expect(tests.get('meets the outage first'), result.output).toMatchObject({
        outcome: 'healed',
        service: 'db',
      })
      const holder = tests.get('holds a connection across the outage')
      expect(holder, result.output).toMatchObject({ outcome: 'healed', cause: 'infra', service: 'db' })
      expect(holder?.tries?.[0]?.recovery).toMatchObject({ service: 'db', by: 'this run' })
      // One outage, one recovery: the holder reused it rather than starting another.
      expect(result.report!.recoveries.filter((r) => r.trigger === 'inline' && r.ok)).toHaveLength(1)
      expect(result.code).toBe(0)
    },
  )
})
