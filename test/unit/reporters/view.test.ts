import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { redactSecrets } from '../../../src/core/redact.js'
import type { RunReport } from '../../../src/core/report.js'
import {
  buildView,
  decidingError,
  location,
  mayHoldBuiltInSecret,
  redactReport,
  rootCause,
} from '../../../src/reporters/view.js'
import { exampleReport } from '../../reporters/fixtures/example-report.js'

describe('buildView', () => {
  it('groups the tests a reader acts on by their final outcome', () => {
    const view = buildView(exampleReport())
    expect(view.testBugs.map((t) => t.name)).toEqual([
      'users > shows the greeting',
      '<img src=x onerror=alert(1)>',
    ])
    expect(view.infraFailures.map((t) => [t.name, t.service])).toEqual([['health > reports ready', 'app']])
    expect(view.flaky.map((t) => t.name)).toEqual(['search > suggests while typing'])
    expect(view.healed).toHaveLength(3)
  })

  it('turns health events into back-to-back segments per service on the run axis', () => {
    const view = buildView(exampleReport())
    const db = view.lanes.find((l) => l.label === 'db')
    expect(db?.segments.map((s) => [s.state, s.from, s.to])).toEqual([
      ['healthy', 0, 2120],
      ['down', 2120, 2140],
      ['recovering', 2140, 2450],
      ['healthy', 2450, 7000],
    ])
    expect(db?.recoveries.map((r) => [r.strategy, r.from, r.to])).toEqual([['restart', 2140, 2450]])
    const app = view.lanes.find((l) => l.label === 'app')
    expect(app?.segments.at(-1)).toMatchObject({ state: 'broken', from: 6510, to: 7000 })
  })

  it('gives each shard of a merged run its own lane per service', () => {
    const report = exampleReport()
    report.timeline = report.timeline!.map((e, i) => ({ ...e, source: i % 2 === 0 ? 'shard-1' : 'shard-2' }))
    report.recoveries = report.recoveries.map((r) => ({ ...r, source: 'shard-2' }))
    const labels = buildView(report).lanes.map((l) => l.label)
    expect(labels).toEqual(['app (shard-1)', 'app (shard-2)', 'db (shard-1)', 'db (shard-2)'])
  })

  it('places each timed test at the start of its last try', () => {
    const view = buildView(exampleReport())
    const healed = view.placed.find((p) => p.test.name === 'orders > creates an order')
    expect(healed?.at).toBe(2500)
    // A skipped test never ran: nothing to place.
    expect(view.placed.some((p) => p.test.outcome === 'skipped')).toBe(false)
  })

  it('widens the axis to cover events after the declared duration', () => {
    const report = exampleReport()
    report.durationMs = 1000
    expect(buildView(report).spanMs).toBe(6510)
  })

  it('still has a non-zero axis when nothing carries a time', () => {
    const view = buildView({
      version: 1,
      outcome: 'passed',
      summary: exampleReport().summary,
      tests: [],
      recoveries: [],
    })
    expect(view.spanMs).toBe(1)
    expect(view.lanes).toEqual([])
  })
})

describe('redactReport', () => {
  it('redacts every string in the report, with the extra patterns, and strips colour codes', () => {
    const report = exampleReport()
    const bug = report.tests.find((t) => t.outcome === 'failed' && t.cause === 'test-bug')!
    bug.name = 'connects as postgres://app:hunter2@127.0.0.1/app'
    bug.tries![0]!.errors[0]!.message = '\u001b[31mexpected\u001b[39m token=tok_abc123 in API_TOKEN=s3cret'
    report.timeline![0]!.detail = 'password=hunter2'
    const out = JSON.stringify(redactReport(report, [/tok_[a-z0-9]+/]))
    expect(out).not.toMatch(/hunter2|tok_abc123|s3cret|\\u001b/)
    expect(out).toContain('postgres://app:***@127.0.0.1/app')
    expect(out).toContain('expected token=*** in API_TOKEN=***')
  })

  it('skips only strings that redactSecrets would leave as they are', () => {
    const secretish = fc.constantFrom(
      'password',
      'PASSWORD',
      'pwd',
      'TOKEN',
      'SECRET',
      'postgres',
      ':',
      '@',
      '/',
      ' ',
      '=',
      '://',
      'x',
      '9',
      '_',
      "'",
    )
    const text = fc.oneof(
      fc.string(),
      fc.array(secretish, { maxLength: 12 }).map((parts) => parts.join('')),
    )
    fc.assert(
      fc.property(text, (s) => {
        if (!mayHoldBuiltInSecret(s)) expect(redactSecrets(s)).toBe(s)
      }),
      { numRuns: 2000 },
    )
    expect(mayHoldBuiltInSecret('DB_PASSWORD=x')).toBe(true)
    expect(mayHoldBuiltInSecret('users > creates a user')).toBe(false)
  })

  it('leaves the input untouched', () => {
    const report = exampleReport()
    report.tests[0]!.name = 'postgres://u:pw@h/db'
    redactReport(report)
    expect(report.tests[0]!.name).toBe('postgres://u:pw@h/db')
  })

  it('keeps every key and value of the report, a `__proto__` key of a merged report.json too', () => {
    const report = exampleReport()
    const text = JSON.stringify(report).replace('{', '{"__proto__":{"polluted":true},')
    const parsed = JSON.parse(text) as RunReport
    const redacted = redactReport(parsed)
    expect(JSON.stringify(redacted)).toBe(JSON.stringify(parsed))
    expect(Object.getPrototypeOf(redacted)).toBe(Object.prototype)
  })
})

describe('helpers', () => {
  it('names the location as file:line, or the file alone', () => {
    const [test] = exampleReport().tests
    expect(location(test!)).toBe('test/users.test.ts:10')
    expect(location({ ...test!, line: undefined })).toBe('test/users.test.ts')
  })

  it('blames an unrecovered infra failure on the failed recovery, else on the error the test saw', () => {
    const report = exampleReport()
    const infra = report.tests.find((t) => t.cause === 'infra' && t.outcome === 'failed')!
    expect(rootCause(infra, report.recoveries)).toBe(
      'recovery restart failed: server exited with code 1: Error: listen EADDRINUSE 127.0.0.1:3000',
    )
    expect(rootCause(infra, [])).toBe('connect ECONNREFUSED 127.0.0.1:3000')
    expect(decidingError(infra)?.message).toBe('connect ECONNREFUSED 127.0.0.1:3000')
  })
})
