/**
 * A page load healed through the coordinator inside a try: what the fixture records, and how the
 * report turns it into a failed infra try before the try it happened in. The real path (a real app
 * SIGKILLed, a real coordinator, a real Chromium) is in test/e2e/selenium-example.test.ts.
 */
import { describe, expect, test } from 'vitest'
import { InlineHeals } from '../../src/selenium/inline-heals.js'
import type { AppHealed } from '../../src/selenium/run-link.js'
import type { HealAttempt, InfraRequest } from '../../src/selenium/strategies.js'
import { buildRunReport, type InlineHealedFailure } from '../../src/vitest/build-report.js'
import { testKey } from '../../src/core/report.js'
import type { CollectedTest } from '../../src/vitest/collector.js'

const refused = Object.assign(
  new Error('unknown error: net::ERR_CONNECTION_REFUSED\n  (Session info: chrome=156)'),
  {
    name: 'WebDriverError',
  },
)
const request: InfraRequest = { service: 'app', url: 'http://127.0.0.1:3973/', error: refused }
const reload = (ok: boolean): HealAttempt => ({
  strategy: 'heal-app-and-reload',
  category: 'page_load_failure',
  locator: request.url,
  operation: 'get',
  ok,
  durationMs: 420,
})
const coordinator = (healed: AppHealed) => async (): Promise<AppHealed> => healed
/** What the coordinator replies when it found the app down and restarted it. */
const restarted = { service: 'app', by: 'this run', strategy: 'restart', durationMs: 300 } as const

const healedLoad = (duringTry: number): InlineHealedFailure => ({
  duringTry,
  startedAt: 1_000,
  durationMs: 420,
  error: { name: 'WebDriverError', message: 'unknown error: net::ERR_CONNECTION_REFUSED' },
  verdict: {
    kind: 'infra',
    service: 'app',
    rule: 'heal-app-and-reload',
    evidence: 'WebDriverError: unknown error: net::ERR_CONNECTION_REFUSED',
  },
  recovery: restarted,
})

describe('InlineHeals', () => {
  test('a page load the coordinator healed and the driver then loaded is one failed infra try', async () => {
    const heals = new InlineHeals(1)
    await heals.watch(coordinator({ service: 'app', probed: 'down', recovery: restarted }))(request)
    heals.attempted(reload(true))

    expect(heals.failures()).toEqual([{ ...healedLoad(1), startedAt: expect.any(Number) }])
  })

  test('a reload that still failed is not recorded: the test fails with it and the runner judges it', async () => {
    const heals = new InlineHeals(0)
    await heals.watch(coordinator({ service: 'app', probed: 'down' }))(request)
    heals.attempted(reload(false))
    expect(heals.failures()).toEqual([])
  })

  test('attempts of strategies that never asked the coordinator are not recorded', () => {
    const heals = new InlineHeals(0)
    heals.attempted({ ...reload(true), strategy: 'wait-for-element', category: 'element_not_found' })
    expect(heals.failures()).toEqual([])
  })

  test('a heal the coordinator refused is not recorded, and does not stick to the next attempt', async () => {
    const heals = new InlineHeals(0)
    const refusing = heals.watch(() => Promise.reject(new Error('app could not be healed')))
    await expect(refusing(request)).rejects.toThrow('could not be healed')
    heals.attempted(reload(false))
    heals.attempted(reload(true))
    expect(heals.failures()).toEqual([])
  })

  test('the service the coordinator blamed wins; else the one the page URL named', async () => {
    const heals = new InlineHeals(0)
    await heals.watch(coordinator({ service: undefined, probed: undefined }))(request)
    heals.attempted(reload(true))
    await heals.watch(coordinator({ service: 'web', probed: 'down' }))({ url: request.url, error: refused })
    heals.attempted(reload(true))
    expect(heals.failures().map((f) => f.verdict.service)).toEqual(['app', 'web'])
  })

  test('secrets in the error never reach the record', async () => {
    const heals = new InlineHeals(0)
    const leaky = new Error('net::ERR_CONNECTION_REFUSED at http://admin:hunter2@127.0.0.1:3973/')
    await heals.watch(coordinator({ service: 'app', probed: 'down' }))({ ...request, error: leaky })
    heals.attempted(reload(true))
    expect(JSON.stringify(heals.failures())).not.toContain('hunter2')
  })
})

describe('report of a test whose page load was healed inside a try', () => {
  function reportOf(over: Partial<CollectedTest>, inline: InlineHealedFailure[]) {
    const file = 'test/items.test.ts'
    const collected: CollectedTest = {
      key: testKey({ file, name: 'adds an item' }),
      project: undefined,
      file,
      name: 'adds an item',
      pass: 1,
      state: 'passed',
      errors: [],
      hostErrors: [],
      meta: { tries: [{ state: 'passed', startedAt: 900, durationMs: 800, errorCount: 0 }], needs: ['app'] },
      tags: [],
      durationMs: 800,
      startTime: 900,
      retryCount: 0,
      attachments: [],
      inlineHeals: inline,
      testCase: undefined as never,
      ...over,
    }
    const report = buildRunReport({
      passes: [{ tests: [collected], modules: [], unhandledErrors: [], reason: 'passed' }],
      services: [{ name: 'app', kind: 'http', url: 'http://127.0.0.1:3973/health' }],
      ...{ rules: [], records: [], timeline: [], redact: [], failOnFlaky: false },
      ...{ startedAt: new Date(0), durationMs: 1_000, reportDir: '/project/.vitest-heal' },
    })
    return report.tests[0]!
  }

  test('a test that passed on its first try after a healed page load ends healed, blamed on the app', () => {
    const test = reportOf({}, [healedLoad(0)])
    expect(test).toMatchObject({
      outcome: 'healed',
      cause: 'infra',
      service: 'app',
      rule: 'heal-app-and-reload',
    })
    expect(test.tries?.map((t) => t.state)).toEqual(['failed', 'passed'])
    expect(test.tries?.[0]?.errors).toEqual([
      { name: 'WebDriverError', message: 'unknown error: net::ERR_CONNECTION_REFUSED' },
    ])
  })

  test('without one it stays passed', () => {
    expect(reportOf({}, [])).toMatchObject({ outcome: 'passed', attempts: 1 })
  })

  test('a reload that worked with nothing found down is flaky, not healed: no recovery, no heal', async () => {
    const heals = new InlineHeals(0)
    await heals.watch(coordinator({ service: 'app', probed: 'healthy' }))(request)
    heals.attempted(reload(true))
    const [load] = heals.failures()
    expect(load?.recovery).toBeUndefined()
    expect(reportOf({}, [load!])).toMatchObject({ outcome: 'flaky', cause: null, attempts: 2 })
  })

  test('the same when the runner left no meta (it leaves none on a pass at the first try)', () => {
    const test = reportOf({ meta: undefined }, [healedLoad(0)])
    expect(test).toMatchObject({ outcome: 'healed', cause: 'infra', service: 'app', attempts: 2 })
    expect(test.tries?.map((t) => t.state)).toEqual(['failed', 'passed'])
    expect(reportOf({ meta: undefined }, [])).toMatchObject({ outcome: 'passed', attempts: 1 })
  })

  test('a test bug after the healed page load stays a failed test bug', () => {
    const bug = { name: 'SeleniumHealError', message: 'findElement By(css selector, #add-item) failed' }
    const test = reportOf(
      {
        state: 'failed',
        errors: [bug],
        meta: {
          tries: [
            {
              state: 'failed',
              startedAt: 900,
              durationMs: 800,
              errorCount: 1,
              verdict: { kind: 'test-bug', rule: 'selenium.not-healed', evidence: bug.message },
            },
          ],
          needs: ['app'],
        },
      },
      [healedLoad(0)],
    )
    expect(test).toMatchObject({ outcome: 'failed', cause: 'test-bug', rule: 'selenium.not-healed' })
    expect(test.tries?.[1]?.errors).toEqual([bug])
  })

  test('the healed page load stands before the try it happened in', () => {
    const test = reportOf(
      {
        meta: {
          tries: [
            {
              state: 'failed',
              startedAt: 100,
              durationMs: 50,
              errorCount: 0,
              verdict: { kind: 'flaky', rule: 'timeout', evidence: '' },
            },
            { state: 'passed', startedAt: 900, durationMs: 800, errorCount: 0 },
          ],
          needs: ['app'],
        },
      },
      [healedLoad(1)],
    )
    expect(test.tries?.map((t) => t.verdict?.kind ?? t.state)).toEqual(['flaky', 'infra', 'passed'])
    expect(test.outcome).toBe('healed')
  })
})
