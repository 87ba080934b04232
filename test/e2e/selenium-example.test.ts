/**
 * examples/selenium run for real, as a user would (`vitest run` in its directory): a PostgreSQL, the
 * web app and chromedriver owned by the plugin, real Chromium sessions through the fixture. Each
 * outage switch crashes one of them mid-test; the run must end green with the broken test `healed`
 * and blamed on what was crashed. The planted wrong selector must stay red as a test bug, not retried,
 * with the browser's screenshot and page source attached.
 */
import { existsSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { pidsWithArgument } from '../../src/selenium/processes.js'
import { byName, ROOT, runVitest, type RunResult } from './harness.js'

const EXAMPLE = join(ROOT, 'examples/selenium')
const crashMarkers = (): string[] =>
  readdirSync(tmpdir()).filter((name) => name.startsWith('vitest-heal-demo-outage-'))
const OUTAGE_TEST = (target: string) => `adds an item while ${target} crashes`
const run = (env: Record<string, string>): Promise<RunResult> =>
  runVitest(EXAMPLE, { env, timeoutMs: 90_000 })

// The example's chromedriver and app listen on fixed ports: its runs must not overlap (tests of a
// file run one after another unless marked concurrent).
describe('examples/selenium', () => {
  test.each([
    ['db', 'db', /^(pg|net)\./],
    ['app', 'app', /^webdriver\.page-unreachable$/],
    ['chromedriver', 'browser', /^webdriver\.session-lost$/],
  ])('%s crashed mid-test: green, the broken test healed and blamed on %s', async (target, service, rule) => {
    const markersBefore = crashMarkers()
    const result = await run({ VITEST_HEAL_DEMO_OUTAGE: target })
    // The run's crash marker is gone with the run: a stale one would let a later run skip its crash.
    expect(crashMarkers()).toEqual(markersBefore)

    expect(result.code, result.output.slice(-3000)).toBe(0)
    expect(result.report?.outcome).toBe('passed')
    const broken = byName(result.report).get(OUTAGE_TEST(target))
    expect(broken).toMatchObject({ outcome: 'healed', cause: 'infra', service })
    expect(broken?.rule).toMatch(rule)
    // Recovered during the tests: by the test's own request, or by the sampler when the crash
    // stayed unnoticed for two of its ticks (a slow page action on a loaded machine).
    expect(result.report?.recoveries).toContainEqual(
      expect.objectContaining({ service, trigger: expect.stringMatching(/^(inline|sampler)$/), ok: true }),
    )
    // Every other test passed, or was healed too when it met the same outage.
    for (const t of result.report?.tests ?? []) {
      if (t.name === 'a wrong selector stays red' || t.file.endsWith('app-between-tests.test.ts'))
        expect(t.outcome).toBe('skipped')
      else expect(['passed', 'healed'], JSON.stringify(t, null, 1)).toContain(t.outcome)
    }
    // The plugin stopped its chromedriver, and with it every browser.
    expect(await pidsWithArgument('--port=9573')).toEqual([])
  })

  describe('the app SIGKILLed between two tests, the next one opening a page first', () => {
    const BETWEEN = ['test/app-between-tests.test.ts']
    const AFTER_CRASH =
      'the app crashes between two tests > after the crash > opens the page first: the load is healed and the test goes on'
    const runBetween = (env: Record<string, string>): Promise<RunResult> =>
      runVitest(EXAMPLE, {
        env: { VITEST_HEAL_DEMO_OUTAGE: 'app-between-tests', ...env },
        args: BETWEEN,
        timeoutMs: 90_000,
      })
    // Pre-flight started the app: the recoveries that count are the ones asked for during the tests.
    const appHealsInline = (result: RunResult) =>
      (result.report?.recoveries ?? []).filter((r) => r.service === 'app' && r.trigger === 'inline')

    test('the driver has the coordinator restart the app and loads the page again: one try, reported healed', async () => {
      const result = await runBetween({})

      expect(result.code, result.output.slice(-3000)).toBe(0)
      expect(result.report?.outcome).toBe('passed')
      const tests = byName(result.report)
      expect(
        tests.get('the app crashes between two tests > lists the items while the app is up')?.outcome,
      ).toBe('passed')
      const healed = tests.get(AFTER_CRASH)
      expect(healed).toMatchObject({
        outcome: 'healed',
        cause: 'infra',
        service: 'app',
        rule: 'heal-app-and-reload',
        attempts: 2,
      })
      // The failed page load inside the one real try, then that try passing: Vitest never retried it.
      const [pageLoad, theTry] = healed?.tries ?? []
      expect(pageLoad).toMatchObject({ state: 'failed', pass: 1, verdict: { kind: 'infra', service: 'app' } })
      expect(pageLoad?.errors[0]?.message).toMatch(/net::ERR_CONNECTION_REFUSED/)
      expect(theTry).toMatchObject({ state: 'passed', pass: 1, errors: [] })
      expect(appHealsInline(result)).toEqual([expect.objectContaining({ ok: true, requests: 1 })])
      expect(result.report?.summary).toMatchObject({ passed: 1, healed: 1, failed: 0 })
      expect(await pidsWithArgument('--port=9573')).toEqual([])
    })

    test('heal:off on that test: the page load is not healed, the test fails as infra, tried once', async () => {
      const result = await runBetween({ VITEST_HEAL_DEMO_HEAL_OFF: '1' })

      expect(result.code, result.output.slice(-3000)).toBe(1)
      const optedOut = byName(result.report).get(AFTER_CRASH)
      expect(optedOut).toMatchObject({ outcome: 'failed', cause: 'infra', service: 'app', attempts: 1 })
      expect(optedOut?.tries?.[0]?.errors[0]?.message).toMatch(/net::ERR_CONNECTION_REFUSED/)
      // Nobody asked the coordinator: no inline recovery, no second pass for a heal:off test.
      expect(appHealsInline(result)).toEqual([])
      expect(result.report?.recoveries.filter((r) => r.trigger === 'second-pass')).toEqual([])
      expect(await pidsWithArgument('--port=9573')).toEqual([])
    })

    test('a wrong selector after the healed page load still fails as a test bug, not retried', async () => {
      const result = await runBetween({ VITEST_HEAL_DEMO_BUG: '1' })

      expect(result.code, result.output.slice(-3000)).toBe(1)
      expect(result.report?.outcome).toBe('failed')
      const planted = byName(result.report).get(AFTER_CRASH)
      expect(planted).toMatchObject({ outcome: 'failed', cause: 'test-bug', rule: 'selenium.not-healed' })
      // The healed page load, then the one real try, failed on the selector.
      expect(planted?.tries?.map((t) => [t.state, t.verdict?.kind])).toEqual([
        ['failed', 'infra'],
        ['failed', 'test-bug'],
      ])
      expect(planted?.tries?.[1]?.errors[0]?.message).toMatch(
        /findElement By\(css selector, \*\[id="add-item"\]\)/,
      )
      expect(appHealsInline(result)).toEqual([expect.objectContaining({ ok: true, requests: 1 })])
      expect(await pidsWithArgument('--port=9573')).toEqual([])
    })
  })

  test('a wrong selector stays red: failed as a test bug, tried once, its screenshot and page source attached', async () => {
    const result = await run({ VITEST_HEAL_DEMO_BUG: '1' })

    expect(result.code).toBe(1)
    expect(result.report?.outcome).toBe('failed')
    const planted = byName(result.report).get('a wrong selector stays red')
    expect(planted).toMatchObject({
      outcome: 'failed',
      cause: 'test-bug',
      rule: 'selenium.not-healed',
      attempts: 1,
    })
    expect(planted?.tries?.[0]?.errors[0]?.message).toMatch(
      /findElement By\(css selector, \*\[id="add-item"\]\) failed \(element_not_found\); healing tried wait-for-element \(\d+ ms\), scroll-into-view/,
    )
    expect(planted?.attachments?.map((a) => a.contentType)).toEqual(['image/png', 'text/html'])
    for (const attachment of planted?.attachments ?? []) {
      expect(existsSync(join(EXAMPLE, '.vitest-heal', attachment.path))).toBe(true)
    }
    expect(result.report?.summary).toMatchObject({ passed: 4, healed: 0, testBug: 1 })
  })
})
