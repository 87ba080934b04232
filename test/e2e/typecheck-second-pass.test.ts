/**
 * The second pass re-runs only the tests it selected, never the project's typecheck step: a
 * project with `typecheck.enabled` (its checker a wrapper that counts its runs; the beforeAll file
 * is also a typecheck module, so one file is two Vitest modules) whose beforeAll file meets a
 * PostgreSQL SIGKILLed during setup. The checker runs once, in the first pass, and Vitest's one
 * summary counts every module of both kinds once.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startPostgres, type PgHandle } from '../helpers/postgres.js'
import { ROOT } from './harness.js'
import { generateSuite } from './outage-suite.js'
import { outageEnv, runThroughOutage } from './setup-outage.js'

let pg: PgHandle

beforeAll(async () => {
  pg = await startPostgres()
})
afterAll(async () => {
  await pg?.close()
})

/** Appends a line per run to CHECKER_RUNS, then is the real tsc. */
const COUNTING_CHECKER = `#!/usr/bin/env node
import { appendFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
appendFileSync(process.env.CHECKER_RUNS, process.argv.slice(2).join(' ') + '\\n')
const child = spawn(${JSON.stringify(join(ROOT, 'node_modules/.bin/tsc'))}, process.argv.slice(2), { stdio: 'inherit' })
child.on('exit', (code) => process.exit(code ?? 1))
`

test('a second pass does not run the typecheck again', { timeout: 240_000 }, async () => {
  const dir = generateSuite('typecheck-second-pass', {
    files: 1,
    testsPerFile: 2,
    beforeAllFiles: 1,
    maxWorkers: 3,
  })
  const checker = join(dir, 'count-tsc.mjs')
  writeFileSync(checker, COUNTING_CHECKER)
  chmodSync(checker, 0o755)
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: 'nodenext', skipLibCheck: true },
      include: ['test/**/*.ts'],
    }),
  )
  writeFileSync(
    join(dir, 'test/types.test-d.ts'),
    `import { expectTypeOf, test } from 'vitest'\ntest('a number is a number', () => {\n  expectTypeOf(1).toEqualTypeOf<number>()\n})\n`,
  )
  const config = join(dir, 'vitest.config.ts')
  writeFileSync(
    config,
    readFileSync(config, 'utf8').replace(
      'test: {',
      `test: { typecheck: { enabled: true, include: ['test/**/*.test-d.ts', 'test/before-all-*.test.ts'], checker: ${JSON.stringify(checker)} },`,
    ),
  )
  const checkerRuns = join(mkdtempSync(join(tmpdir(), 'vitest-heal-typecheck-')), 'checker-runs')
  const result = await runThroughOutage(pg, dir, outageEnv(pg, { CHECKER_RUNS: checkerRuns }))
  expect(result.output).toContain('second pass: re-running')
  expect(result.report?.summary.infra, result.output).toBe(0)
  expect(result.code, result.output).toBe(0)
  const runs = existsSync(checkerRuns) ? readFileSync(checkerRuns, 'utf8').trim().split('\n') : []
  expect(runs, result.output).toHaveLength(1)
  expect(result.stdout.match(/^\s*Test Files\s/gm), result.stdout).toHaveLength(1)
  expect(result.stdout).toMatch(/Test Files\s+4 passed \(4\)/)
})
