/**
 * Two tests with one full name in one file are two tests to Vitest: the report must not fold them
 * into one (a failed first and a passing second once read as one `flaky` test and exit 0).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { ROOT, runVitest } from './harness.js'

const CONFIG = `import { defineConfig } from 'vitest/config'
import { heal } from 'vitest-heal'

export default defineConfig({ plugins: [heal({})], test: { include: ['test/**/*.test.ts'] } })
`

const SAME_NAMES = `import { describe, expect, test } from 'vitest'

describe('cart', () => {
  // The planted bug: the first of two tests named alike asserts something false.
  test('adds an item', () => {
    expect([1, 2].length).toBe(3)
  })
  test('adds an item', () => {
    expect([1, 2].length).toBe(2)
  })
})
`

describe('two tests with the same full name in one file', () => {
  test.each([
    ['vitest run', false],
    ['vitest-heal run', true],
  ])(
    '%s: two entries, the first failed as a test bug, counts equal to Vitest’s, exit 1',
    { timeout: 60_000 },
    async (_, wrapper) => {
      const dir = join(ROOT, 'test/e2e/.generated', `same-name${wrapper ? '-wrapper' : ''}`)
      rmSync(dir, { recursive: true, force: true })
      mkdirSync(join(dir, 'test'), { recursive: true })
      writeFileSync(join(dir, 'vitest.config.ts'), CONFIG)
      writeFileSync(join(dir, 'test', 'cart.test.ts'), SAME_NAMES)

      const result = await runVitest(dir, { wrapper })
      const report = result.report!
      expect(report, result.output).toBeDefined()
      expect(report.tests.map((t) => [t.name, t.index ?? 0, t.outcome, t.cause])).toEqual([
        ['cart > adds an item', 0, 'failed', 'test-bug'],
        ['cart > adds an item', 1, 'passed', null],
      ])
      // The first keeps the key an ordinary test has: report.json of suites without twins is unchanged.
      expect(report.tests[0]).not.toHaveProperty('index')
      const vitestTotal = Number(/Tests\s+[^\n]*\((\d+)\)/.exec(result.output)?.[1])
      expect(report.summary).toMatchObject({ total: vitestTotal, failed: 1, testBug: 1, passed: 1, flaky: 0 })
      expect(report.outcome).toBe('failed')
      const junit = readFileSync(join(dir, '.vitest-heal/junit.xml'), 'utf8')
      expect(junit).toMatch(/<testsuites name="vitest-heal" tests="2" failures="1"/)
      expect(result.code, result.output).toBe(1)
    },
  )
})
