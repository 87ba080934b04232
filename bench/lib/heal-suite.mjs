/**
 * The suite of bench/heal: tests that query a real PostgreSQL, and two configs. With the plugin, the
 * database is a `postgres()` service recovered by `pgCtl(dataDir)`; without it, plain Vitest with
 * `retry: 2`. Every try of a test appends one byte to BENCH_PROGRESS, so the benchmark can kill the
 * database at a chosen point of the run and count executions independently of any report.
 */
import { pad, writeSuite } from './generated.mjs'

export const WITH_PLUGIN = 'vitest.heal.config.ts'
export const PLAIN_RETRY = 'vitest.retry.config.ts'

const testOptions = (extra) =>
  `{ include: ['test/**/*.test.ts'], maxWorkers: 2, testTimeout: 15_000, hookTimeout: 15_000${extra} }`

const HEAL_CONFIG = `import { defineConfig } from 'vitest/config'
import { heal, pgCtl, postgres } from 'vitest-heal'

export default defineConfig({
  plugins: [
    heal({
      services: {
        db: postgres({ url: process.env.BENCH_PG_URL, env: 'DATABASE_URL', recover: [pgCtl(process.env.BENCH_PG_DATA!)] }),
      },
    }),
  ],
  test: ${testOptions('')},
})
`

const PLAIN_RETRY_CONFIG = `import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: ${testOptions(", retry: 2, tags: [{ name: 'needs:db' }]")},
})
`

const HELPERS = `import { appendFileSync } from 'node:fs'

/** One byte per try: the benchmark reads the count. */
export function progress(): void {
  if (process.env.BENCH_PROGRESS) appendFileSync(process.env.BENCH_PROGRESS, '.')
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
`

/** Half the files say `needs:db` with a tag; the rest are blamed from the error alone. */
function testFile(index, { testsPerFile, sleepMs }) {
  const tags = index % 2 === 0 ? "{ tags: ['needs:db'] }, " : ''
  return `import pg from 'pg'
import { afterAll, expect, test } from 'vitest'
import { progress, sleep } from '../helpers.js'

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2, connectionTimeoutMillis: 5_000 })
pool.on('error', () => {})
afterAll(() => pool.end().catch(() => {}))

for (let i = 0; i < ${testsPerFile}; i++) {
  test(\`file ${index} query \${i}\`, ${tags}async () => {
    progress()
    const { rows } = await pool.query('SELECT $1::int + 1 AS n', [i])
    expect(rows[0].n).toBe(i + 1)
    await sleep(${sleepMs})
  })
}
`
}

export async function generateHealSuite({ files, testsPerFile, sleepMs }) {
  const sources = { [WITH_PLUGIN]: HEAL_CONFIG, [PLAIN_RETRY]: PLAIN_RETRY_CONFIG, 'helpers.ts': HELPERS }
  for (let i = 0; i < files; i++)
    sources[`test/db-${pad(i)}.test.ts`] = testFile(i, { testsPerFile, sleepMs })
  return writeSuite('heal', sources)
}
