import { describe, expect, test } from 'vitest'
import { summarize, runOutcome } from '../../../src/core/outcome.js'
import { applyQuarantine, type KnownFlaky } from '../../../src/core/quarantine.js'
import type { RunReport, TestReport } from '../../../src/core/report.js'

const failed = (name: string, cause: 'test-bug' | 'infra' = 'test-bug'): TestReport => ({
  file: 'test/a.test.ts',
  name,
  outcome: 'failed',
  cause,
  service: null,
  rule: 'vitest.test-timeout',
  attempts: 3,
})
const passed = (name: string): TestReport => ({
  ...failed(name),
  outcome: 'passed',
  cause: null,
  rule: null,
  attempts: 1,
})

function report(tests: TestReport[], errors: RunReport['errors'] = []): RunReport {
  const summary = summarize(tests)
  const unforgivenErrors = errors.filter((e) => !e.forgiven).length
  return {
    version: 1,
    outcome: runOutcome(summary, { unforgivenErrors }),
    summary,
    tests,
    recoveries: [],
    errors,
  }
}

const policy = { minRate: 0.1, minFlakyRuns: 2 }
const keyOf = (t: TestReport) => t.name
const known = (entries: Record<string, KnownFlaky>) => new Map(Object.entries(entries))
const flakyHistory = { flakyRuns: 4, runs: 20, rate: 0.2 }

describe('quarantine', () => {
  test('a failure of a test known as flaky is marked and no longer fails the run; the summary still counts it', () => {
    const r = report([passed('ok'), failed('slow')])
    expect(r.outcome).toBe('failed')
    expect(applyQuarantine(r, known({ slow: flakyHistory }), policy, { failOnFlaky: false, keyOf })).toBe(1)
    expect(r.tests[1]!.quarantined).toEqual(flakyHistory)
    expect(r.summary).toMatchObject({ failed: 1, testBug: 1, quarantined: 1 })
    expect(r.outcome).toBe('passed')
  })

  test('a planted bug in a test with no flaky history stays red beside a quarantined one', () => {
    const r = report([failed('slow'), failed('planted bug')])
    applyQuarantine(r, known({ slow: flakyHistory }), policy, { failOnFlaky: false, keyOf })
    expect(r.tests[1]!.quarantined).toBeUndefined()
    expect(r.outcome).toBe('failed')
  })

  test('below the rate or the count of flaky runs, nothing is quarantined', () => {
    for (const history of [
      { flakyRuns: 4, runs: 100, rate: 0.04 },
      { flakyRuns: 1, runs: 1, rate: 1 },
    ]) {
      const r = report([failed('slow')])
      expect(applyQuarantine(r, known({ slow: history }), policy, { failOnFlaky: false, keyOf })).toBe(0)
      expect(r.outcome).toBe('failed')
      expect(r.summary.quarantined).toBeUndefined()
    }
  })

  test('failOnFlaky wins: nothing is quarantined', () => {
    const r = report([failed('slow')])
    expect(applyQuarantine(r, known({ slow: flakyHistory }), policy, { failOnFlaky: true, keyOf })).toBe(0)
    expect(r.outcome).toBe('failed')
  })

  test('an error outside tests that nothing forgives still fails the run', () => {
    const r = report(
      [failed('slow')],
      [
        {
          where: 'module',
          file: 'test/a.test.ts',
          pass: 1,
          name: 'TypeError',
          message: 'x',
          forgiven: false,
          why: 'not infra',
        },
      ],
    )
    applyQuarantine(r, known({ slow: flakyHistory }), policy, { failOnFlaky: false, keyOf })
    expect(r.tests[0]!.quarantined).toBeDefined()
    expect(r.outcome).toBe('failed')
  })

  test('passed, healed and flaky tests are never marked', () => {
    const r = report([passed('slow')])
    expect(applyQuarantine(r, known({ slow: flakyHistory }), policy, { failOnFlaky: false, keyOf })).toBe(0)
    expect(r.tests[0]!.quarantined).toBeUndefined()
  })
})
