/**
 * What the mutation testing of outcome.ts (issue 11) found unpinned: only failed tries before the
 * last make a pass `flaky`. A test repeated by Vitest (`repeats`) passes several tries in a row and
 * is simply `passed`.
 */
import { describe, expect, test } from 'vitest'
import { computeOutcome } from '../../../src/core/outcome.js'
import type { TryRecord } from '../../../src/core/report.js'

const passed: TryRecord = { state: 'passed', pass: 1, durationMs: 1, errors: [] }

describe('earlier passing tries', () => {
  test('passing every repeat is passed, not flaky', () => {
    expect(computeOutcome([passed, passed, passed])).toEqual({
      outcome: 'passed',
      cause: null,
      service: null,
      rule: null,
      attempts: 3,
    })
  })
})
