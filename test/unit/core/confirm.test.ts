import { describe, expect, test } from 'vitest'
import { classify } from '../../../src/core/classify.js'
import { confirmVerdict, isAmbiguousRule } from '../../../src/core/confirm.js'
import type { Verdict } from '../../../src/core/types.js'

const services = [{ name: 'app', kind: 'http', url: 'http://127.0.0.1:3000' }]
const timeout = classify(
  {
    errors: [{ name: 'TimeoutError', code: 23, message: 'The operation was aborted due to timeout' }],
    tags: ['needs:app'],
  },
  { services },
)
const refused = classify(
  { errors: [{ name: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:3000' }] },
  { services },
)

describe('confirmVerdict', () => {
  test('the fixtures are what the catalogue says', () => {
    expect(timeout).toMatchObject({ kind: 'infra', service: 'app', rule: 'abort.timeout' })
    expect(refused).toMatchObject({ kind: 'infra', service: 'app', rule: 'net.econnrefused' })
    expect(isAmbiguousRule(timeout.rule)).toBe(true)
    expect(isAmbiguousRule(refused.rule)).toBe(false)
  })

  test('a healthy service with an ambiguous signature downgrades infra to flaky, keeping both', () => {
    const result = confirmVerdict(timeout, 'healthy')
    expect(result.hypothesis).toBe(timeout)
    expect(result.verdict).toMatchObject({ kind: 'flaky', service: 'app', rule: 'abort.timeout' })
    expect(result.verdict.evidence).toContain('app healthy at failure time')
  })

  test('down or starting confirms infra', () => {
    for (const health of ['down', 'starting'] as const)
      expect(confirmVerdict(timeout, health).verdict).toBe(timeout)
  })

  test('an unambiguous signature stays infra even when the service is healthy again', () => {
    expect(confirmVerdict(refused, 'healthy').verdict).toBe(refused)
  })

  test('no probe, or not infra: the hypothesis stands', () => {
    expect(confirmVerdict(timeout, undefined).verdict).toBe(timeout)
    const flaky: Verdict = { kind: 'flaky', rule: 'vitest.test-timeout', evidence: 'Test timed out' }
    expect(confirmVerdict(flaky, 'healthy').verdict).toBe(flaky)
  })

  test('the caller can say whether its (user) rule is ambiguous', () => {
    expect(confirmVerdict(refused, 'healthy', true).verdict.kind).toBe('flaky')
    expect(confirmVerdict(timeout, 'healthy', false).verdict.kind).toBe('infra')
    expect(
      isAmbiguousRule('ours.slow', [
        { id: 'ours.slow', kind: 'infra', ambiguous: true, when: { message: 'slow' } },
      ]),
    ).toBe(true)
  })

  test('a saturated service (up but full) is weighed like a healthy one, and the evidence says saturated', () => {
    const full = { kind: 'infra' as const, service: 'db', rule: 'pg.too-many-connections', evidence: '53300' }
    const { verdict } = confirmVerdict(full, 'saturated')
    expect(verdict).toMatchObject({ kind: 'flaky', evidence: '53300 (db saturated at failure time)' })
    const refused = { ...full, rule: 'net.econnrefused' }
    expect(confirmVerdict(refused, 'saturated').verdict.kind).toBe('infra')
  })
})
