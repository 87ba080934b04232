/**
 * What the mutation testing of classify.ts (issue 11) found unpinned: the exact evidence line a
 * verdict quotes (users read it in every report), how it is labelled, where a long line is cut
 * around the match, and that it is redacted.
 */
import { describe, expect, test } from 'vitest'
import { classify } from '../../../src/core/classify.js'
import type { ErrorLike } from '../../../src/core/types.js'

const evidenceOf = (...errors: ErrorLike[]) => classify({ errors }).evidence

describe('the evidence line', () => {
  test('the line of the match, trimmed, labelled with name and code', () => {
    expect(evidenceOf({ name: 'Error', message: 'query failed\n  connect ECONNREFUSED 127.0.0.1:5432  \nat x' })).toBe(
      'Error: connect ECONNREFUSED 127.0.0.1:5432',
    )
    expect(
      evidenceOf({ name: 'error', code: '57P01', message: 'terminating connection due to administrator command' }),
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
    expect(evidenceOf({ message: 'nothing matched password=hunter2' })).toBe('Error: nothing matched password=***')
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
