/**
 * Generates small-but-real Vitest projects that need a PostgreSQL, into test/e2e/.generated/<name>
 * (inside the package, so `import 'vitest-heal'` resolves to this package's build). The e2e tests
 * then kill that PostgreSQL for real while the project runs.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './harness.js'

export interface SuiteOptions {
  files: number
  testsPerFile: number
  /** Milliseconds each test sleeps after its query, so an outage lands mid-run. */
  sleepMs?: number
  /** A test that asserts something false: it must stay red. */
  plantBug?: boolean
  /** A test that times out on its first try only: it must end flaky. */
  plantFlaky?: boolean
  /** Files whose connection is made in beforeAll (a pg.Client), after FIXTURE_GO exists. */
  beforeAllFiles?: number
  /** Files that query at module top level, after FIXTURE_GO exists. */
  topLevelFiles?: number
  /** Files whose pool has idle clients and no 'error' listener: their death is an uncaught error. */
  bareIdlePoolFiles?: number
  maxWorkers?: number
  /** Extra heal() options, as source text. */
  healOptions?: string
}

const CONFIG = (options: SuiteOptions) => `import { defineConfig } from 'vitest/config'
import { command, heal, pgCtl, postgres } from 'vitest-heal'

// { pgCtl: dataDir } or { argv, timeout? }, from the e2e test.
const recoveries = JSON.parse(process.env.FIXTURE_RECOVER ?? '[]')

export default defineConfig({
  plugins: [
    heal({
      services: {
        db: postgres({
          url: process.env.FIXTURE_PG_URL,
          env: 'DATABASE_URL',
          startTimeout: 20_000,
          recover: recoveries.map((r) => (r.pgCtl ? pgCtl(r.pgCtl) : command(r.argv, { timeout: r.timeout ?? 20_000 }))),
        }),
      },
      // These runs test how workers meet an outage: the sampler, which on a loaded machine can see
      // it first and recover it before any test fails, is off (test/integration/predict covers it).
      predict: false,
      ${options.healOptions ?? ''}
    }),
  ],
  test: { include: ['test/**/*.test.ts'], maxWorkers: ${options.maxWorkers ?? 3}, testTimeout: 15_000, hookTimeout: 15_000 },
})
`

const HELPERS = `import { appendFileSync, existsSync } from 'node:fs'

/** One line per try, so the e2e test can kill the database at a chosen point of the run. */
export function progress(): void {
  if (process.env.FIXTURE_PROGRESS) appendFileSync(process.env.FIXTURE_PROGRESS, '.')
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Says "connected, waiting for go": the e2e test kills the database once every waiting file said so. */
export function ready(): void {
  if (process.env.FIXTURE_READY) appendFileSync(process.env.FIXTURE_READY, '.')
}

/** Waits for the e2e test's go signal (it kills the database first). */
export async function waitForGo(): Promise<void> {
  const go = process.env.FIXTURE_GO
  if (!go) return
  for (let i = 0; i < 600 && !existsSync(go); i++) await sleep(25)
}
`

function poolFile(index: number, options: SuiteOptions, bare: boolean): string {
  const tagged = index % 2 === 0
  return `import pg from 'pg'
import { afterAll, expect, test } from 'vitest'
import { progress, ready, sleep, waitForGo } from '../helpers.js'

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2, connectionTimeoutMillis: 5_000 })
${
  bare
    ? `// No error listener on purpose: the idle client that dies with the server becomes an uncaught error.
await pool.query('SELECT 1')
ready()
await waitForGo()`
    : "pool.on('error', () => {})"
}
afterAll(() => pool.end().catch(() => {}))

for (let i = 0; i < ${options.testsPerFile}; i++) {
  test(\`file ${index} query \${i}\`, ${tagged ? "{ tags: ['needs:db'] }, " : ''}async () => {
    progress()
    const { rows } = await pool.query('SELECT $1::int + 1 AS n', [i])
    expect(rows[0].n).toBe(i + 1)
    await sleep(${options.sleepMs ?? 20})
  })
}
`
}

function beforeAllFile(index: number, options: SuiteOptions): string {
  return `import pg from 'pg'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { progress, ready, waitForGo } from '../helpers.js'

let client: pg.Client
beforeAll(async () => {
  client = new pg.Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 5_000 })
  client.on('error', () => {})
  await client.connect()
  ready()
  // The server is killed while we wait: this query is made on a connection that died with it.
  await waitForGo()
  await client.query('SELECT 1')
})
afterAll(() => client?.end().catch(() => {}))

for (let i = 0; i < ${options.testsPerFile}; i++) {
  test(\`before-all file ${index} query \${i}\`, { tags: ['needs:db'] }, async () => {
    progress()
    const { rows } = await client.query('SELECT $1::int * 2 AS n', [i])
    expect(rows[0].n).toBe(i * 2)
  })
}
`
}

function topLevelFile(index: number, options: SuiteOptions): string {
  return `import pg from 'pg'
import { expect, test } from 'vitest'
import { ready, waitForGo } from '../helpers.js'

const client = new pg.Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 5_000 })
client.on('error', () => {})
await client.connect()
ready()
// The server is killed while we wait: this query is made on a connection that died with it.
await waitForGo()
const { rows } = await client.query('SELECT 7 AS seven')
await client.end()

for (let i = 0; i < ${options.testsPerFile}; i++) {
  test(\`top-level file ${index} value \${i}\`, () => {
    expect(rows[0].seven).toBe(7)
  })
}
`
}

const BUG_FILE = `import { expect, test } from 'vitest'

test('planted bug: the total is wrong', () => {
  const total = [1, 2, 3].reduce((a, b) => a + b, 0)
  expect(total).toBe(7)
})
`

const FLAKY_FILE = `import { expect, test } from 'vitest'
import { sleep } from '../helpers.js'

let tries = 0
test('planted flaky: slow on its first try only', { timeout: 300 }, async () => {
  tries++
  if (tries === 1) await sleep(1_000)
  expect(tries).toBeGreaterThan(1)
})
`

export function generateSuite(name: string, options: SuiteOptions): string {
  const dir = join(ROOT, 'test/e2e/.generated', name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'test'), { recursive: true })
  writeFileSync(join(dir, 'vitest.config.ts'), CONFIG(options))
  writeFileSync(join(dir, 'helpers.ts'), HELPERS)
  const bare = options.bareIdlePoolFiles ?? 0
  for (let i = 0; i < options.files; i++) {
    writeFileSync(
      join(dir, 'test', `pool-${String(i).padStart(2, '0')}.test.ts`),
      poolFile(i, options, i < bare),
    )
  }
  for (let i = 0; i < (options.beforeAllFiles ?? 0); i++) {
    writeFileSync(join(dir, 'test', `before-all-${i}.test.ts`), beforeAllFile(i, options))
  }
  for (let i = 0; i < (options.topLevelFiles ?? 0); i++) {
    writeFileSync(join(dir, 'test', `top-level-${i}.test.ts`), topLevelFile(i, options))
  }
  if (options.plantBug) writeFileSync(join(dir, 'test', 'planted-bug.test.ts'), BUG_FILE)
  if (options.plantFlaky) writeFileSync(join(dir, 'test', 'planted-flaky.test.ts'), FLAKY_FILE)
  return dir
}
