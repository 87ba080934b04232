/**
 * Both examples, run once each with a seeded chaos run, as a team would try vitest-heal on its own
 * suite: `vitest-heal chaos --seed 42 --fault … --expect-healed`, then the scorecard read back from
 * report.json — every fault healed, the example's planted bug (selenium's wrong selector) still red.
 *
 * Each example is copied to test/e2e/.generated/ with its fixed ports moved to free ones: the other
 * e2e files run the same examples at the same time (shards.test.ts, selenium-example.test.ts).
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import type { RunReport } from '../../src/core/report.js'
import { freePort } from '../../src/services/free-port.js'
import { pidsWithArgument } from '../../src/selenium/processes.js'
import { byName, ROOT, runCli } from './harness.js'

/** examples/<name> copied, every fixed port in its config and server replaced by a free one. */
async function copyExample(
  name: string,
  ports: number[],
): Promise<{ dir: string; moved: Map<number, number> }> {
  const dir = join(ROOT, 'test/e2e/.generated', `chaos-example-${name}`)
  rmSync(dir, { recursive: true, force: true })
  cpSync(join(ROOT, 'examples', name), dir, {
    recursive: true,
    filter: (source) => !/[/\\](node_modules|\.vitest-heal)$/.test(source),
  })
  const moved = new Map<number, number>()
  for (const port of ports) moved.set(port, await freePort())
  for (const file of ['vitest.config.ts', 'server.js']) {
    let text = readFileSync(join(dir, file), 'utf8')
    for (const [from, to] of moved) text = text.replaceAll(String(from), String(to))
    writeFileSync(join(dir, file), text)
  }
  return { dir, moved }
}

async function chaosRun(dir: string, faults: string[], env: Record<string, string> = {}) {
  const result = await runCli(
    ['chaos', '--seed', '42', ...faults.flatMap((f) => ['--fault', f]), '--expect-healed'],
    env,
    dir,
  )
  const report = JSON.parse(readFileSync(join(dir, '.vitest-heal/report.json'), 'utf8')) as RunReport
  return { ...result, report, tail: result.output.slice(-5000) }
}

describe('the examples under a seeded chaos run', () => {
  test(
    'examples/basic: its PostgreSQL killed at a seeded point — the fault healed, nothing lost, exit 0',
    { timeout: 120_000 },
    async () => {
      const { dir } = await copyExample('basic', [3971])
      const run = await chaosRun(dir, ['db:kill@random'])

      expect(run.report.faults, run.tail).toEqual([
        expect.objectContaining({
          source: 'db:kill@random',
          result: 'healed',
          injectedAt: expect.any(String),
        }),
      ])
      for (const t of run.report.tests)
        expect(['passed', 'healed', 'skipped'], JSON.stringify(t)).toContain(t.outcome)
      expect(run.report.outcome).toBe('passed')
      expect(run.code, run.tail).toBe(0)
      expect(run.output).toMatch(/chaos: 1 fault injected, 1 detected, 1 healed, 0 tests lost/)
    },
  )

  test(
    'examples/selenium: the app killed as a browser test loads its page (real Chromium) — healed; the wrong selector stays red',
    { timeout: 120_000 },
    async () => {
      const { dir, moved } = await copyExample('selenium', [3973, 9573])
      const run = await chaosRun(dir, ['app:kill@during:/adds banana/'], { VITEST_HEAL_DEMO_BUG: '1' })

      expect(run.report.faults, run.tail).toEqual([
        expect.objectContaining({ source: 'app:kill@during:/adds banana/', result: 'healed' }),
      ])
      const tests = byName(run.report)
      expect(tests.get('adds banana through the form and lists it'), run.tail).toMatchObject({
        outcome: 'healed',
        service: 'app',
      })
      // The planted bug: red, a test bug — the chaos run heals outages, never bugs. It runs beside the
      // killed test: when its try overlaps the outage it gets the one re-run any such try gets.
      const planted = tests.get('a wrong selector stays red')
      expect(planted, run.tail).toMatchObject({ outcome: 'failed', cause: 'test-bug' })
      expect(planted?.tries?.at(-1)?.verdict).toMatchObject({ kind: 'test-bug', rule: 'selenium.not-healed' })
      expect(run.output).toMatch(/1 planted bug still red/)
      expect(run.code).toBe(1)
      // The plugin stopped its chromedriver, and with it every browser.
      expect(await pidsWithArgument(`--port=${moved.get(9573)}`)).toEqual([])
    },
  )
})
