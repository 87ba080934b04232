/**
 * A connection reset at the instant a database is killed (an idle client's `read ECONNRESET`) is
 * an unhandled error that names no address. The worker stamps its time (src/vitest/error-time.ts):
 * thrown while the database was down, it is blamed on it and forgiven with the outage it belongs to;
 * the same error with nothing down stays blamed on nobody and fails the run.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startPostgres, type PgHandle } from '../helpers/postgres.js'
import { generatedProject, runWithGo, WAIT_FOR_GO } from './harness.js'

const CONFIG = `import { defineConfig } from 'vitest/config'
import { heal, pgCtl, postgres } from 'vitest-heal'
export default defineConfig({
  plugins: [heal({
    predict: false,
    reporters: ['json'],
    services: { db: postgres({ url: process.env.FIXTURE_PG_URL, env: 'DATABASE_URL', startTimeout: 20_000, recover: [pgCtl(process.env.FIXTURE_PG_DATA)] }) },
  })],
  test: { include: ['test/**/*.test.ts'], maxWorkers: 3, testTimeout: 20_000 },
})
`
const FILES = {
  // A real reset: a server that answers every connection with RST, a socket with no error listener.
  'reset.test.ts': `import { appendFileSync, existsSync } from 'node:fs'
import net from 'node:net'
import { test } from 'vitest'
${WAIT_FOR_GO}
test('an idle connection is reset', async () => {
  appendFileSync(process.env.FIXTURE_READY!, '.')
  await waitForGo()
  const server = net.createServer((socket) => socket.resetAndDestroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  const socket = net.connect(port, '127.0.0.1')
  socket.on('connect', () => socket.write('x'))
  await new Promise((resolve) => setTimeout(resolve, 500))
  server.close()
})
`,
  'query.test.ts': `import { appendFileSync, existsSync } from 'node:fs'
import pg from 'pg'
import { expect, test } from 'vitest'
${WAIT_FOR_GO}
test('queries', { tags: ['needs:db'] }, async () => {
  appendFileSync(process.env.FIXTURE_READY!, '.')
  await waitForGo()
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 5_000 })
  client.on('error', () => {})
  try {
    await client.connect()
    expect((await client.query('SELECT 2 AS two')).rows[0].two).toBe(2)
  } finally {
    await client.end().catch(() => {})
  }
})
`,
}

describe('an unhandled connection reset', () => {
  let pg: PgHandle
  beforeAll(async () => {
    pg = await startPostgres()
  })
  afterAll(async () => {
    await pg?.close()
  })

  async function run(name: string, kill: boolean) {
    const dir = generatedProject(name, CONFIG, FILES)
    const { result } = await runWithGo(
      dir,
      { FIXTURE_PG_URL: pg.url, FIXTURE_PG_DATA: pg.dataDir },
      2,
      async () => {
        if (kill) await pg.killHard()
      },
    )
    return result
  }

  test(
    'thrown while the database was down: blamed on it, forgiven with its outage, exit 0',
    { timeout: 120_000 },
    async () => {
      const result = await run('unhandled-reset-outage', true)
      const errors = result.report?.errors ?? []
      expect(errors, result.output).toEqual([
        expect.objectContaining({
          where: 'unhandled',
          code: 'ECONNRESET',
          verdict: expect.objectContaining({
            kind: 'infra',
            service: 'db',
            evidence: expect.stringMatching(/while db was down/),
          }),
          forgiven: true,
        }),
      ])
      expect(result.report?.outcome).toBe('passed')
      expect(result.code, result.output).toBe(0)
    },
  )

  test('thrown with nothing down: blamed on nobody, the run fails', { timeout: 120_000 }, async () => {
    const result = await run('unhandled-reset-no-outage', false)
    expect(result.report?.errors, result.output).toEqual([
      expect.objectContaining({ where: 'unhandled', code: 'ECONNRESET', forgiven: false }),
    ])
    expect(result.report?.errors?.[0]?.verdict?.service).toBeUndefined()
    expect(result.code, result.output).toBe(1)
  })
})
