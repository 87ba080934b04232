import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { computeOutcome, runOutcome, summarize } from '../../../src/core/outcome.js'
import type { ReportSummary, TestReport, TryRecord, TryRecovery } from '../../../src/core/report.js'
import type { Verdict } from '../../../src/core/types.js'

const infraDb: Verdict = {
  kind: 'infra',
  service: 'db',
  rule: 'pg-connection-refused',
  evidence: 'ECONNREFUSED',
}
const infraApp: Verdict = { kind: 'infra', service: 'app', rule: 'http-refused', evidence: 'ECONNREFUSED' }
const flaky: Verdict = { kind: 'flaky', rule: 'timeout', evidence: 'Test timed out' }
const bug: Verdict = { kind: 'test-bug', rule: 'assertion', evidence: 'expected 1 to be 2' }

function pass(): TryRecord {
  return { state: 'passed', pass: 1, durationMs: 1, errors: [] }
}
function fail(verdict?: Verdict, hypothesis?: Verdict): TryRecord {
  return {
    state: 'failed',
    pass: 1,
    durationMs: 1,
    errors: [{ name: 'Error', message: 'x' }],
    verdict,
    hypothesis,
  }
}

/** A failed try whose service was found down and recovered: the evidence `healed` needs. */
function recovered(verdict: Verdict, by: TryRecovery['by'] = 'this run'): TryRecord {
  return { ...fail(verdict), recovery: { service: verdict.service ?? 'db', by, strategy: 'pg_ctl start' } }
}

describe('computeOutcome', () => {
  const none = { cause: null, service: null, rule: null }
  it.each<[string, TryRecord[], ReturnType<typeof computeOutcome>]>([
    ['no tries → skipped', [], { outcome: 'skipped', ...none, attempts: 0 }],
    ['one passing try → passed', [pass()], { outcome: 'passed', ...none, attempts: 1 }],
    [
      'infra failure recovered, then pass → healed, blaming that try',
      [recovered(infraDb), pass()],
      { outcome: 'healed', cause: 'infra', service: 'db', rule: 'pg-connection-refused', attempts: 2 },
    ],
    [
      'recovered by another process through the host lock → healed',
      [recovered(infraDb, 'another process'), pass()],
      { outcome: 'healed', cause: 'infra', service: 'db', rule: 'pg-connection-refused', attempts: 2 },
    ],
    [
      'confirmed infra but nothing found down, then pass → flaky, not healed',
      [fail(infraDb), pass()],
      { outcome: 'flaky', ...none, rule: 'pg-connection-refused', attempts: 2 },
    ],
    [
      'infra blamed on no declared service, then pass → flaky (the racy listen)',
      [fail({ kind: 'infra', rule: 'net.econnrefused', evidence: 'ECONNREFUSED 127.0.0.1:4555' }), pass()],
      { outcome: 'flaky', ...none, rule: 'net.econnrefused', attempts: 2 },
    ],
    [
      'an assertion during an observed outage, recovered, then pass → healed / outage-overlap',
      [recovered({ kind: 'infra', service: 'db', rule: 'outage-overlap', evidence: 'db down' }), pass()],
      { outcome: 'healed', cause: 'infra', service: 'db', rule: 'outage-overlap', attempts: 2 },
    ],
    [
      'the service comes from the recovery: infra with nobody blamed, then found down',
      [
        {
          ...fail({ kind: 'infra', rule: 'net.econnrefused', evidence: 'x' }),
          recovery: { service: 'db', by: 'this run' },
        },
        pass(),
      ],
      { outcome: 'healed', cause: 'infra', service: 'db', rule: 'net.econnrefused', attempts: 2 },
    ],
    [
      'flaky then recovered infra then pass → healed (an infra cause outranks flakiness)',
      [fail(flaky), recovered(infraApp), pass()],
      { outcome: 'healed', cause: 'infra', service: 'app', rule: 'http-refused', attempts: 3 },
    ],
    [
      'two recovered failures → the first one is blamed',
      [recovered(infraDb), recovered(infraApp), pass()],
      { outcome: 'healed', cause: 'infra', service: 'db', rule: 'pg-connection-refused', attempts: 3 },
    ],
    [
      'flaky failure then pass → flaky',
      [fail(flaky), pass()],
      { outcome: 'flaky', ...none, rule: 'timeout', attempts: 2 },
    ],
    [
      'infra only as an unconfirmed hypothesis → flaky, not healed',
      [fail(flaky, infraDb), pass()],
      { outcome: 'flaky', ...none, rule: 'timeout', attempts: 2 },
    ],
    [
      'failure without any verdict then pass → flaky',
      [fail(), pass()],
      { outcome: 'flaky', ...none, attempts: 2 },
    ],
    [
      'last try failed with infra → failed infra',
      [fail(infraDb), fail(infraDb), fail(infraDb)],
      { outcome: 'failed', cause: 'infra', service: 'db', rule: 'pg-connection-refused', attempts: 3 },
    ],
    [
      'last try a test bug → failed test-bug',
      [fail(bug)],
      { outcome: 'failed', cause: 'test-bug', service: null, rule: 'assertion', attempts: 1 },
    ],
    [
      'flaky budget used up → failed test-bug',
      [fail(flaky), fail(flaky), fail(flaky)],
      { outcome: 'failed', cause: 'test-bug', service: null, rule: 'timeout', attempts: 3 },
    ],
    [
      'recovered earlier, then a bug on the last try → failed test-bug',
      [recovered(infraDb), fail(bug)],
      { outcome: 'failed', cause: 'test-bug', service: null, rule: 'assertion', attempts: 2 },
    ],
    [
      'last try failed, infra only hypothesised → test-bug',
      [fail(undefined, infraDb)],
      { outcome: 'failed', cause: 'test-bug', service: null, rule: null, attempts: 1 },
    ],
  ])('%s', (_name, tries, expected) => {
    expect(computeOutcome(tries)).toEqual(expected)
  })

  it('counts tries of both passes as attempts', () => {
    const secondPass: TryRecord = { ...pass(), pass: 2 }
    expect(computeOutcome([recovered(infraDb), secondPass])).toMatchObject({ outcome: 'healed', attempts: 2 })
  })

  it('a second-pass pass after a pass-1 infra try with no recovery is flaky', () => {
    const secondPass: TryRecord = { ...pass(), pass: 2 }
    expect(computeOutcome([fail(infraDb), secondPass])).toMatchObject({ outcome: 'flaky', attempts: 2 })
  })
})

describe('summarize', () => {
  function test(outcome: TestReport['outcome'], cause: TestReport['cause'] = null) {
    return { outcome, cause }
  }

  it('counts each outcome, splitting failures into test bugs and infra', () => {
    const tests = [
      test('passed'),
      test('passed'),
      test('healed', 'infra'),
      test('flaky'),
      test('failed', 'test-bug'),
      test('failed', 'infra'),
      test('failed', 'infra'),
      test('skipped'),
    ]
    expect(summarize(tests)).toEqual({
      total: 8,
      passed: 2,
      healed: 1,
      flaky: 1,
      failed: 3,
      testBug: 1,
      infra: 2,
      skipped: 1,
    })
  })

  it('keeps failed = testBug + infra for any mix', () => {
    const outcomes: TestReport['outcome'][] = ['passed', 'healed', 'flaky', 'failed', 'skipped']
    const causes: TestReport['cause'][] = ['infra', 'test-bug', null]
    const tests = Array.from({ length: 60 }, (_, i) => test(outcomes[i % 5]!, causes[i % 3]!))
    const s = summarize(tests)
    expect(s.failed).toBe(s.testBug + s.infra)
    expect(s.passed + s.healed + s.flaky + s.failed + s.skipped).toBe(s.total)
  })

  it('is all zeros for no tests', () => {
    const keys = ['total', 'passed', 'healed', 'flaky', 'failed', 'testBug', 'infra', 'skipped']
    expect(summarize([])).toEqual(Object.fromEntries(keys.map((k) => [k, 0])))
  })
})

describe('runOutcome', () => {
  const clean: ReportSummary = {
    total: 5,
    passed: 3,
    healed: 1,
    flaky: 1,
    failed: 0,
    testBug: 0,
    infra: 0,
    skipped: 0,
  }
  it.each<[string, Partial<ReportSummary>, Parameters<typeof runOutcome>[1], 'passed' | 'failed']>([
    ['healed and flaky tests pass the run', {}, {}, 'passed'],
    ['a test bug fails it', { failed: 1, testBug: 1 }, {}, 'failed'],
    ['an unrecovered infra failure fails it', { failed: 1, infra: 1 }, {}, 'failed'],
    ['an unforgiven unhandled error fails it', {}, { unforgivenErrors: 1 }, 'failed'],
    ['forgiven unhandled errors do not', {}, { unforgivenErrors: 0 }, 'passed'],
    ['flaky fails it when failOnFlaky', {}, { failOnFlaky: true }, 'failed'],
    ['failOnFlaky without flaky tests passes', { flaky: 0 }, { failOnFlaky: true }, 'passed'],
  ])('%s', (_name, patch, opts, expected) => {
    expect(runOutcome({ ...clean, ...patch }, opts)).toBe(expected)
  })
})

describe('computeOutcome, for any tries', () => {
  const verdict = fc.constantFrom<Verdict | undefined>(infraDb, infraApp, flaky, bug, undefined)
  const attempt = fc.oneof(
    fc.constant(pass()),
    verdict.map((v) => fail(v)),
    fc.constantFrom(infraDb, infraApp).map((v) => recovered(v)),
  )

  it('counts every try, and decides by the last one', () => {
    fc.assert(
      fc.property(fc.array(attempt, { maxLength: 6 }), (tries) => {
        const result = computeOutcome(tries)
        expect(result.attempts).toBe(tries.length)
        const last = tries.at(-1)
        if (!last) {
          expect(result.outcome).toBe('skipped')
          return
        }
        if (last.state === 'failed') {
          expect(result.outcome).toBe('failed')
          return
        }
        const earlier = tries.slice(0, -1).filter((t) => t.state === 'failed')
        const recoveredEarlier = earlier.some((t) => t.recovery !== undefined)
        expect(result.outcome).toBe(recoveredEarlier ? 'healed' : earlier.length > 0 ? 'flaky' : 'passed')
      }),
    )
  })

  it('names a service only for infra: healed or failed infra', () => {
    fc.assert(
      fc.property(fc.array(attempt, { maxLength: 6 }), (tries) => {
        const result = computeOutcome(tries)
        const infra = result.outcome === 'healed' || result.cause === 'infra'
        expect(result.service !== null).toBe(infra)
        expect(result.cause === 'infra').toBe(infra)
      }),
    )
  })
})
