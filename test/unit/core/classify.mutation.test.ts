/**
 * What the mutation testing of classify.ts (issue 11) found unpinned: the exact evidence line a
 * verdict quotes (users read it in every report), how it is labelled, where a long line is cut
 * around the match, and that it is redacted.
 */
import { describe, expect, test } from 'vitest'
import { classify } from '../../../src/core/classify.js'
import type { ErrorLike, Rule } from '../../../src/core/types.js'

const evidenceOf = (...errors: ErrorLike[]) => classify({ errors }).evidence

describe('the evidence line', () => {
  test('the line of the match, trimmed, labelled with name and code', () => {
    expect(
      evidenceOf({ name: 'Error', message: 'query failed\n  connect ECONNREFUSED 127.0.0.1:5432  \nat x' }),
    ).toBe('Error: connect ECONNREFUSED 127.0.0.1:5432')
    expect(
      evidenceOf({
        name: 'error',
        code: '57P01',
        message: 'terminating connection due to administrator command',
      }),
    ).toBe('error [57P01]: terminating connection due to administrator command')
  })

  test('no name reads Error; no message leaves the label alone', () => {
    expect(evidenceOf({ code: 'ECONNREFUSED' })).toBe('Error [ECONNREFUSED]')
    expect(evidenceOf({ message: 'plain' })).toBe('Error: plain')
  })

  test('a match on the code quotes the first line of the message', () => {
    expect(evidenceOf({ name: 'Error', code: 'ECONNRESET', message: 'first\nsecond' })).toBe(
      'Error [ECONNRESET]: first',
    )
  })

  test('a line of 200 characters is whole; a longer one is cut to 200 around the match', () => {
    const exact = `${'x'.repeat(187)} ECONNREFUSED`
    expect(evidenceOf({ message: exact })).toBe(`Error: ${exact}`)
    // The match 50 characters from the window's start.
    expect(evidenceOf({ message: `${'x'.repeat(300)} ECONNREFUSED ${'y'.repeat(300)}` })).toBe(
      `Error: …${'x'.repeat(49)} ECONNREFUSED ${'y'.repeat(137)}…`,
    )
    // Near the end the window ends with the line; near the start it starts with it.
    expect(evidenceOf({ message: `${'x'.repeat(600)} ECONNREFUSED` })).toBe(
      `Error: …${'x'.repeat(187)} ECONNREFUSED…`,
    )
    expect(evidenceOf({ message: `ECONNREFUSED ${'y'.repeat(300)}` })).toBe(
      `Error: …ECONNREFUSED ${'y'.repeat(187)}…`,
    )
  })

  test('secrets are redacted in the evidence, whether a URL or a keyword holds them', () => {
    expect(evidenceOf({ message: 'connect ECONNREFUSED for postgres://app:hunter2@127.0.0.1:5432/x' })).toBe(
      'Error: connect ECONNREFUSED for postgres://app:***@127.0.0.1:5432/x',
    )
    expect(evidenceOf({ message: 'connect ECONNREFUSED with password=hunter2' })).toBe(
      'Error: connect ECONNREFUSED with password=***',
    )
    expect(evidenceOf({ message: 'nothing matched password=hunter2' })).toBe(
      'Error: nothing matched password=***',
    )
  })

  test('a hostile input is a test bug with unreadable evidence, never a throw', () => {
    const throwing = new Proxy([], {
      get() {
        throw new Error('no')
      },
    })
    expect(classify({ errors: [{ message: 'connect ECONNREFUSED' }] }, { rules: throwing })).toEqual({
      kind: 'test-bug',
      rule: 'default',
      evidence: '(unreadable error)',
    })
  })
})

describe('user rules, compiled', () => {
  const ruleOf = (rules: unknown[], ...errors: ErrorLike[]) =>
    classify({ errors }, { rules: rules as Rule[] }).rule

  test('a message string matches case-insensitively both ways', () => {
    expect(
      ruleOf([{ id: 'ours', kind: 'flaky', when: { message: 'Lock Timeout' } }], {
        message: 'a lock timeout',
      }),
    ).toBe('ours')
  })

  test('a sticky regexp matches anywhere, on every call', () => {
    const rules = [{ id: 'ours', kind: 'flaky', when: { message: /quota/y } }]
    for (let i = 0; i < 2; i++) expect(ruleOf(rules, { message: 'over quota' })).toBe('ours')
  })

  test('an id that is not text, or a when with no field, makes a rule inert', () => {
    expect(ruleOf([{ id: 7, kind: 'flaky', when: { message: 'x' } }], { message: 'x' })).toBe('default')
    expect(ruleOf([{ id: 'ours', kind: 7, when: { message: 'x' } }], { message: 'x' })).toBe('default')
    expect(ruleOf([{ id: 'ours', kind: 'flaky', when: {} }], { message: 'x' })).toBe('default')
    expect(
      ruleOf([{ id: 'ours', kind: 'flaky', when: { code: 'C', message: 42 } }], { code: 'C', message: 'x' }),
    ).toBe('default')
  })

  test('every field of a rule must match', () => {
    const rules = [{ id: 'ours', kind: 'flaky', when: { name: 'QueueError', message: /full/ } }]
    expect(ruleOf(rules, { name: 'QueueError', message: 'empty' })).toBe('default')
    expect(ruleOf(rules, { name: 'Other', message: 'full' })).toBe('default')
    expect(ruleOf(rules, { name: 'QueueError', message: 'full' })).toBe('ours')
  })

  test('an unknown precedence is first: an escalating built-in on a later error outranks it', () => {
    const rules = [{ id: 'ours', kind: 'infra', precedence: 'bogus', when: { message: 'odd' } }]
    expect(ruleOf(rules, { message: 'odd' }, { code: 'ECONNRESET', message: 'x' })).toBe('net.econnreset')
    const escalating = [{ id: 'ours', kind: 'infra', precedence: 'escalate', when: { message: 'odd' } }]
    expect(ruleOf(escalating, { message: 'odd' }, { code: 'ECONNRESET', message: 'x' })).toBe('ours')
  })

  test('among escalations of one kind the earlier error stands; among finals the earlier rule', () => {
    expect(ruleOf([], { code: 'ECONNRESET', message: 'x' }, { code: 'ECONNREFUSED', message: 'x' })).toBe(
      'net.econnreset',
    )
    const final = [{ id: 'ours', kind: 'infra', precedence: 'final', when: { message: 'odd' } }]
    expect(ruleOf(final, { name: 'AssertionError', message: 'x' }, { message: 'odd' })).toBe('ours')
  })
})

describe('what the blame is given', () => {
  const services = [
    { name: 'db', kind: 'postgres', url: 'postgres://127.0.0.1:5432/x' },
    { name: 'app', kind: 'http', url: 'http://127.0.0.1:3000' },
  ]

  test('the matched error’s peer fields first, then its text, then the other errors', () => {
    const matched = { code: 'ECONNREFUSED', message: 'to 127.0.0.1:3000', address: '127.0.0.1', port: 5432 }
    expect(classify({ errors: [matched] }, { services }).service).toBe('db')
    expect(classify({ errors: [{ ...matched, address: '' }] }, { services }).service).toBe('app')
    const other = { message: 'while talking to 127.0.0.1:3000' }
    expect(classify({ errors: [other, { code: 'ECONNREFUSED', message: 'x' }] }, { services }).service).toBe(
      'app',
    )
  })

  test('a test bug, no services, or entries that are not services: nobody blamed', () => {
    const refused = { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }
    expect(classify({ errors: [refused] }, { services: [] })).toEqual({
      kind: 'infra',
      rule: 'net.econnrefused',
      evidence: 'Error [ECONNREFUSED]: connect ECONNREFUSED 127.0.0.1:5432',
    })
    // Entries that are not services are dropped before blame reads them, not read and thrown on.
    expect(classify({ errors: [refused] }, { services: [null, 'db'] as never })).toEqual({
      kind: 'infra',
      rule: 'net.econnrefused',
      evidence: 'Error [ECONNREFUSED]: connect ECONNREFUSED 127.0.0.1:5432',
    })
    expect(
      classify({ errors: [{ name: 'TypeError', message: 'at 127.0.0.1:5432' }] }, { services }).service,
    ).toBeUndefined()
  })

  test('tags that are not a list are no tags', () => {
    const twoDbs = [
      { name: 'a', kind: 'postgres' },
      { name: 'b', kind: 'postgres' },
    ]
    const failure = { errors: [{ code: '57P01', message: 'x' }] }
    expect(classify({ ...failure, tags: ['needs:b'] }, { services: twoDbs }).service).toBe('b')
    expect(classify({ ...failure, tags: 'needs:b' as never }, { services: twoDbs }).service).toBeUndefined()
  })

  test('an HTTP client error with no address: the one http service', () => {
    expect(classify({ errors: [{ message: 'socket hang up' }] }, { services }).service).toBe('app')
    expect(classify({ errors: [{ code: 'ETIMEDOUT', message: 'x' }] }, { services }).service).toBeUndefined()
  })
})

describe('evidence, the edges', () => {
  test('a match on the code of a message whose first line is empty quotes no line', () => {
    expect(evidenceOf({ code: 'ECONNRESET', message: '\nsecond' })).toBe('Error [ECONNRESET]')
  })

  test('a long line after others is cut around the match within that line', () => {
    expect(evidenceOf({ message: `intro\n${'x'.repeat(300)} ECONNREFUSED ${'y'.repeat(300)}` })).toBe(
      `Error: …${'x'.repeat(49)} ECONNREFUSED ${'y'.repeat(137)}…`,
    )
  })

  test('a malformed matcher makes its rule inert: the default verdict, with the error as evidence', () => {
    const rules = [{ id: 'ours', kind: 'infra', when: { message: 42 } }] as unknown as Rule[]
    expect(classify({ errors: [{ message: 'x' }] }, { rules })).toEqual({
      kind: 'test-bug',
      rule: 'default',
      evidence: 'Error: x',
    })
  })

  test('between final matches on two errors the earlier rule stands, and on a tie the earlier error', () => {
    const challenge = { message: 'Attention Required! | Cloudflare' }
    expect(classify({ errors: [challenge, { name: 'AssertionError', message: 'x' }] }).rule).toBe(
      'security.challenge',
    )
    expect(
      classify({
        errors: [
          { name: 'AssertionError', message: 'first' },
          { name: 'AssertionError', message: 'second' },
        ],
      }).evidence,
    ).toBe('AssertionError: first')
  })
})
