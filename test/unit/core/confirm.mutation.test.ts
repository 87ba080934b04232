/**
 * What the mutation testing of confirm.ts (issue 11) found unpinned: the exact evidence of a
 * downgrade when no service was blamed, and which rule's ambiguity is read when user rules are
 * configured (a user rule shadows a built-in one of the same id; other ids still find the built-in).
 */
import { describe, expect, test } from 'vitest'
import { confirmVerdict, isAmbiguousRule } from '../../../src/core/confirm.js'
import type { Rule, Verdict } from '../../../src/core/types.js'

describe('confirmVerdict, exactly', () => {
  test('no blamed service: the evidence says "the service"', () => {
    const hypothesis: Verdict = { kind: 'infra', rule: 'net.econnreset', evidence: 'read ECONNRESET' }
    expect(confirmVerdict(hypothesis, 'healthy')).toEqual({
      hypothesis,
      verdict: {
        kind: 'flaky',
        rule: 'net.econnreset',
        evidence: 'read ECONNRESET (the service healthy at failure time)',
      },
    })
  })
})

describe('only infra is weighed', () => {
  test('a flaky verdict of an ambiguous rule stands as it is, even with a healthy probe', () => {
    const hypothesis: Verdict = { kind: 'flaky', rule: 'net.econnreset', evidence: 'read ECONNRESET' }
    expect(confirmVerdict(hypothesis, 'healthy').verdict).toBe(hypothesis)
  })
})

describe('isAmbiguousRule with user rules', () => {
  const user: Rule[] = [
    { id: 'net.econnreset', kind: 'infra', when: { code: 'ECONNRESET' } },
    { id: 'ours.slow', kind: 'infra', ambiguous: true, when: { message: 'slow' } },
  ]

  test('a user rule of a built-in id is read, not the built-in', () => {
    expect(isAmbiguousRule('net.econnreset')).toBe(true)
    expect(isAmbiguousRule('net.econnreset', user)).toBe(false)
  })

  test('ids the user rules do not have are read from the catalogue; unknown ids are not ambiguous', () => {
    expect(isAmbiguousRule('net.etimedout', user)).toBe(true)
    expect(isAmbiguousRule('net.econnrefused', user)).toBe(false)
    expect(isAmbiguousRule('ours.slow', user)).toBe(true)
    expect(isAmbiguousRule('nobody', user)).toBe(false)
    expect(isAmbiguousRule('default')).toBe(false)
  })
})
