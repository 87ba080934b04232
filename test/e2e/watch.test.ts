/**
 * `vitest --watch` with the plugin: each run, the first and every re-run after a file change, ends
 * with vitest-heal's summary and its reports, about that run alone. A planted bug saved while
 * watching turns the next report red as a test bug.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, expect, test } from 'vitest'
import type { RunReport } from '../../src/core/report.js'
import { ROOT } from './harness.js'

const CONFIG = `import { defineConfig } from 'vitest/config'
import { heal, service } from 'vitest-heal'

export default defineConfig({
  plugins: [heal({ services: { clock: service({ check: () => true }) } })],
  test: { include: ['test/**/*.test.ts'] },
})
`

const testFile = (bug: boolean) => `import { expect, test } from 'vitest'

test('adds up', () => {
  expect(1 + 1).toBe(2)
})
${bug ? `\ntest('planted bug: the total is wrong', () => {\n  expect(2 + 2).toBe(5)\n})\n` : ''}`

const dir = join(ROOT, 'test/e2e/.generated/watch')
let stop: (() => void) | undefined
afterAll(() => stop?.())

test(
  'every watch run ends with its own summary and reports; a planted bug saved while watching stays red',
  { timeout: 120_000 },
  async () => {
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(join(dir, 'test'), { recursive: true })
    writeFileSync(join(dir, 'vitest.config.ts'), CONFIG)
    writeFileSync(join(dir, 'test/math.test.ts'), testFile(false))
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), '--watch'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '', GITHUB_ACTIONS: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    stop = () => child.kill('SIGTERM')
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    const summaries = () => output.match(/^ Heal .*$/gm) ?? []
    async function waitForSummary(count: number): Promise<string> {
      for (let waited = 0; summaries().length < count; waited += 100) {
        if (waited > 60_000) throw new Error(`no summary #${count} in:\n${output}`)
        await sleep(100)
      }
      return summaries()[count - 1]!
    }
    const report = () => JSON.parse(readFileSync(join(dir, '.vitest-heal/report.json'), 'utf8')) as RunReport

    expect(await waitForSummary(1)).toMatch(/✓ 1 passed .* ✗ 0 test bugs/)
    expect(report()).toMatchObject({ outcome: 'passed', summary: { total: 1, passed: 1 } })

    writeFileSync(join(dir, 'test/math.test.ts'), testFile(true))
    expect(await waitForSummary(2)).toMatch(/✓ 1 passed .* ✗ 1 test bug/)
    const second = report()
    expect(second.outcome).toBe('failed')
    // The re-run's tests only, not the first run's again.
    expect(second.tests.map((t) => [t.name, t.outcome, t.cause])).toEqual([
      ['adds up', 'passed', null],
      ['planted bug: the total is wrong', 'failed', 'test-bug'],
    ])
    expect(output).toMatch(/Test bugs \(1\)\n.*math\.test\.ts:\d+ › planted bug/)
  },
)
