/**
 * Configs with several `test.projects`: one run, one report.
 * - Each project with its own heal(): the `api` project's database is killed mid-run and its test is
 *   healed; the `unit` project's planted bug stays red; both are in the one report.json.
 * - One heal() at the root inherited by two projects (`extends: true`) that run the same file: both
 *   see the outage, the database is recovered once, and the report keeps the two projects' tests apart.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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

const PER_PROJECT_CONFIG = `import { defineConfig } from 'vitest/config'
import { heal, pgCtl, postgres, service } from 'vitest-heal'

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [heal({ services: { db: postgres({ url: process.env.FIXTURE_PG_URL, recover: [pgCtl(process.env.FIXTURE_PG_DATA)] }) } })],
        test: { name: 'api', include: ['api/**/*.test.ts'] },
      },
      {
        plugins: [heal({ services: { clock: service({ check: () => true }) } })],
        test: { name: 'unit', include: ['unit/**/*.test.ts'] },
      },
    ],
  },
})
`

const SHARED_CONFIG = `import { defineConfig } from 'vitest/config'
import { heal, pgCtl, postgres } from 'vitest-heal'

export default defineConfig({
  plugins: [heal({ services: { db: postgres({ url: process.env.FIXTURE_PG_URL, recover: [pgCtl(process.env.FIXTURE_PG_DATA)] }) } })],
  test: {
    // Both files at once: each waits, its first try on a dead connection, for the database to be killed.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'first', include: ['api/**/*.test.ts'] } },
      { extends: true, test: { name: 'second', include: ['api/**/*.test.ts'] } },
    ],
  },
})
`

const UNIT_TESTS = `import { expect, test } from 'vitest'

test('adds up', () => {
  expect(1 + 1).toBe(2)
})

test('planted bug: the total is wrong', () => {
  expect(2 + 2).toBe(5)
})
`

function writeProject(name: string, config: string): string {
  const dir = join(ROOT, 'test/e2e/.generated', name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'api'), { recursive: true })
  mkdirSync(join(dir, 'unit'), { recursive: true })
  writeFileSync(join(dir, 'vitest.config.ts'), config)
  writeFileSync(join(dir, 'api/db.test.ts'), deadConnectionTest('reads from the database'))
  writeFileSync(join(dir, 'unit/math.test.ts'), UNIT_TESTS)
  return dir
}

test(
  'projects with a heal() each: the outage in one is healed, the bug in the other stays red, one report',
  { timeout: 240_000 },
  async () => {
    const dir = writeProject('projects', PER_PROJECT_CONFIG)
    const result = await runThroughCrash(dir, pg, 1)
    const tests = byName(result.report)
    expect(tests.get('reads from the database'), result.output).toMatchObject({
      outcome: 'healed',
      service: 'db',
      attempts: 2,
    })
    expect(tests.get('adds up')).toMatchObject({ outcome: 'passed' })
    expect(tests.get('planted bug: the total is wrong')).toMatchObject({
      outcome: 'failed',
      cause: 'test-bug',
    })
    // One recovery of the one database, by the api project's session.
    expect(result.report?.recoveries.filter((r) => r.ok).map((r) => r.service)).toEqual(['db'])
    expect(result.report?.summary).toMatchObject({ healed: 1, passed: 1, failed: 1 })
    // The terminal summary names the project the way Vitest does.
    expect(result.stdout).toMatch(/\|unit\| unit\/math\.test\.ts:8 › planted bug: the total is wrong/)
    expect(result.code).toBe(1)
  },
)

test(
  'one heal() inherited by two projects running the same file: one recovery, two healed tests',
  { timeout: 240_000 },
  async () => {
    const dir = writeProject('projects-shared', SHARED_CONFIG)
    // Both projects' copies of the module hold a connection made before the crash.
    const result = await runThroughCrash(dir, pg, 2)
    const tests = result.report?.tests ?? []
    expect(tests.map((t) => [t.project, t.file, t.name, t.outcome, t.service]).sort(), result.output).toEqual(
      [
        ['first', 'api/db.test.ts', 'reads from the database', 'healed', 'db'],
        ['second', 'api/db.test.ts', 'reads from the database', 'healed', 'db'],
      ],
    )
    expect(result.report?.recoveries.filter((r) => r.ok).map((r) => r.service)).toEqual(['db'])
    // One pre-flight for the one heal(), not one per project.
    expect(result.stderr.match(/db healthy/g), result.stderr).toHaveLength(1)
    // junit.xml: a suite per project and file, not one suite with the two tests under one name.
    const junit = readFileSync(join(dir, '.vitest-heal/junit.xml'), 'utf8')
    expect(junit).toContain('<testsuite name="|first| api/db.test.ts"')
    expect(junit).toContain('<testsuite name="|second| api/db.test.ts"')
    expect(result.code).toBe(0)
  },
)
