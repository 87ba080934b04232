import { describe, expect, test } from 'vitest'
import { resolveOptions } from '../../src/config.js'

describe('option quarantine', () => {
  test('off by default; true takes the defaults; an object tunes them', () => {
    expect(resolveOptions({}).quarantine).toBe(false)
    expect(resolveOptions({ quarantine: true }).quarantine).toEqual({ minRate: 0.1, minFlakyRuns: 2 })
    expect(resolveOptions({ quarantine: { minRate: 0.3 } }).quarantine).toEqual({
      minRate: 0.3,
      minFlakyRuns: 2,
    })
  })

  test('a bad value fails naming the key', () => {
    expect(() => resolveOptions({ quarantine: 'yes' })).toThrow(/quarantine: expected/)
    expect(() => resolveOptions({ quarantine: { minRate: 0 } })).toThrow(/quarantine\.minRate/)
    expect(() => resolveOptions({ quarantine: { minRate: 2 } })).toThrow(/quarantine\.minRate/)
    expect(() => resolveOptions({ quarantine: { minFlakyRuns: 0 } })).toThrow(/quarantine\.minFlakyRuns/)
    expect(() => resolveOptions({ quarantine: { threshold: 1 } })).toThrow(/quarantine/)
  })

  test('without a history there is nothing to know a flaky test from', () => {
    expect(() => resolveOptions({ quarantine: true, history: false })).toThrow(/quarantine.*history/)
  })
})
