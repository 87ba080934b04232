/**
 * Acting first in real runs: a generated project against a real PostgreSQL (max_connections 20)
 * whose connections a leaker (this process) drains while the tests run. The predictor sees the
 * trend, holds the tests that need the database and ends the idle connections before the server is
 * full; the planted assertion bug stays red. The same project with no leak and no bug is green
 * and carries no prediction: nothing predicted makes a healthy run red.
 */
import { appendFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { generatedProject, runVitest, type RunResult } from '../../e2e/harness.js'
import { startPostgres, type PgHandle } from '../../helpers/postgres.js'

const CONFIG = `import { defineConfig } from 'vitest/config'
import { heal, pgTerminateIdle, postgres } from 'vitest-heal'

export default defineConfig({
  plugins: [
    heal({
      services: {
        db: postgres({ url: process.env.FIXTURE_PG_URL, env: 'DATABASE_URL', recover: [pgTerminateIdle()], tests: ['test/db-*.test.ts'] }),
      },
      predict: { interval: 250, relieve: true },
      history: false,
    }),
  ],
  test: { include: ['test/**/*.test.ts'], maxWorkers: 1, testTimeout: 15_000 },
})
`

/** Each test: a fresh connection, one query, a pause (the run lasts long enough for a trend). */
const dbTests = (name: string, count: number) => `import { appendFileSync } from 'node:fs'
import pg from 'pg'
import { expect, test } from 'vitest'

for (let i = 0; i < ${count}; i++) {
  test('${name} ' + i, async () => {
    appendFileSync(process.env.FIXTURE_PROGRESS!, '.')
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 3000 })
    client.on('error', () => {})
    await client.connect()
    try {
      expect((await client.query('select 1 as one')).rows[0].one).toBe(1)
    } finally {
      await client.end()
    }
    await new Promise((r) => setTimeout(r, 300))
  })
}
`

const FILES = {
  'db-a.test.ts': dbTests('a', 12),
  'db-b.test.ts': dbTests('b', 12),
  'free.test.ts': `import { test, expect } from 'vitest'
test('needs nothing', () => expect(2 + 2).toBe(4))
test('planted bug', () => {
  if (process.env.FIXTURE_BUG) expect(1 + 1).toBe(3)
})
`,
}

/** Opens idle connections at `perSecond` once the run's first test started, until stopped; reopens what is ended. */
function leak(url: string, progress: string, perSecond: number) {
  const clients = new Set<pg.Client>()
  let stopped = false
  const opening = (async () => {
    while (!stopped) {
      try {
        if (statSync(progress).size > 0) break
      } catch {
        // not started yet
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    while (!stopped) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
      client.on('error', () => clients.delete(client))
      client.on('end', () => clients.delete(client))
      clients.add(client)
      await client.connect().catch(() => clients.delete(client))
      await new Promise((r) => setTimeout(r, 1000 / perSecond))
    }
  })()
  return async () => {
    stopped = true
    await opening
    await Promise.all([...clients].map((c) => c.end().catch(() => undefined)))
  }
}

let server: PgHandle
let dir: string

beforeAll(async () => {
  server = await startPostgres({ settings: { max_connections: 20 } })
  dir = generatedProject('predict-act-run', CONFIG, FILES)
})

afterAll(async () => {
  await server?.close()
})

describe('acting first, real runs', () => {
  let leaked: RunResult
  let healthy: RunResult

  beforeAll(async () => {
    const progress = join(dir, 'progress-leak')
    appendFileSync(progress, '')
    const stopLeak = leak(server.url, progress, 2)
    try {
      leaked = await runVitest(dir, {
        env: { FIXTURE_PG_URL: server.url, FIXTURE_PROGRESS: progress, FIXTURE_BUG: '1' },
      })
    } finally {
      await stopLeak()
    }
    const quiet = join(dir, 'progress-healthy')
    appendFileSync(quiet, '')
    healthy = await runVitest(dir, { env: { FIXTURE_PG_URL: server.url, FIXTURE_PROGRESS: quiet } })
  }, 120_000)

  test('the leak is predicted and acted on: hold, idle connections ended before the server was full', () => {
    const predictions = leaked.report?.predictions ?? []
    expect(predictions.length, leaked.output.slice(-3000)).toBeGreaterThan(0)
    const [first] = predictions
    expect(first).toMatchObject({
      service: 'db',
      failure: 'saturation',
      basis: 'pg.connections → 20 (max_connections)',
    })
    expect(first!.actions).toContain('hold')
    expect(first!.actions).toContain('recovery:pg_terminate_idle')
    expect(first!.actions).toContain('checkpoint')
    expect(leaked.output).toContain('saturation predicted')
  })

  test('no test that needs the database failed; the planted bug stays red, and so does the run', () => {
    const tests = leaked.report!.tests
    const byName = new Map(tests.map((t) => [t.name, t]))
    expect(byName.get('planted bug')).toMatchObject({ outcome: 'failed', cause: 'test-bug' })
    expect(byName.get('needs nothing')!.outcome).toBe('passed')
    const db = tests.filter((t) => t.file.startsWith('test/db-'))
    expect(db).toHaveLength(24)
    expect(db.filter((t) => t.outcome !== 'passed' && t.outcome !== 'healed')).toEqual([])
    expect(leaked.code).toBe(1)
    expect(leaked.report!.outcome).toBe('failed')
  })

  test('a healthy run stays green and carries no prediction', () => {
    expect(healthy.code, healthy.output.slice(-3000)).toBe(0)
    expect(healthy.report!.outcome).toBe('passed')
    expect(healthy.report!.predictions).toBeUndefined()
    expect(healthy.report!.tests.every((t) => t.outcome === 'passed')).toBe(true)
  })
})
