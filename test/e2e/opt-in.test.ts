/**
 * Which tests are healed: with `optIn`, only tests tagged `needs:*`/`heal` or claimed by a service's
 * `tests` globs; `heal:off` never. Every test here sees the same real outage (its first try runs on a
 * connection that died with the server); only the healed ones are retried.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startPostgres, type PgHandle } from '../helpers/postgres.js'
import { deadConnectionTest, runThroughCrash } from './dead-connection.js'
import { byName, ROOT } from './harness.js'

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

test(
  'optIn heals tagged and glob-claimed tests only; heal:off is never retried',
  { timeout: 240_000 },
  async () => {
    const dir = join(ROOT, 'test/e2e/.generated/opt-in')
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(join(dir, 'test/claimed'), { recursive: true })
    writeFileSync(join(dir, 'vitest.config.ts'), CONFIG)
    writeFileSync(join(dir, 'test/claimed/by-glob.test.ts'), deadConnectionTest('claimed by glob'))
    writeFileSync(
      join(dir, 'test/tagged.test.ts'),
      deadConnectionTest('tagged needs:db', "{ tags: ['needs:db'] }, "),
    )
    writeFileSync(join(dir, 'test/untagged.test.ts'), deadConnectionTest('not opted in'))
    writeFileSync(
      join(dir, 'test/off.test.ts'),
      deadConnectionTest('heal:off', "{ tags: ['needs:db', 'heal:off'] }, "),
    )
    const result = await runThroughCrash(dir, pg, 4)
    const tests = byName(result.report)
    expect(tests.get('claimed by glob'), result.output).toMatchObject({
      outcome: 'healed',
      service: 'db',
      attempts: 2,
    })
    expect(tests.get('tagged needs:db')).toMatchObject({ outcome: 'healed', service: 'db', attempts: 2 })
    expect(tests.get('not opted in')).toMatchObject({ outcome: 'failed', cause: 'infra', attempts: 1 })
    expect(tests.get('heal:off')).toMatchObject({ outcome: 'failed', cause: 'infra', attempts: 1 })
    expect(result.code).toBe(1)
  },
)
