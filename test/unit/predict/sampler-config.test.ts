import { describe, expect, test } from 'vitest'
import { resolveOptions } from '../../../src/config.js'

describe('predict option', () => {
  test('defaults to sampling every second; false turns it off; interval is ms', () => {
    expect(resolveOptions({}).predict).toMatchObject({ intervalMs: 1_000 })
    expect(resolveOptions({ predict: {} }).predict).toMatchObject({ intervalMs: 1_000 })
    expect(resolveOptions({ predict: false }).predict).toBe(false)
    expect(resolveOptions({ predict: { interval: 250 } }).predict).toMatchObject({ intervalMs: 250 })
  })

  test('a bad value names its key', () => {
    expect(() => resolveOptions({ predict: true })).toThrow(/predict/)
    expect(() => resolveOptions({ predict: { interval: 50 } })).toThrow(/predict\.interval.*≥ 100/)
    expect(() => resolveOptions({ predict: { interval: 1.5e3 + 0.5 } })).toThrow(/predict\.interval/)
    expect(() => resolveOptions({ predict: { interval: '1s' } })).toThrow(/predict\.interval/)
    expect(() => resolveOptions({ predict: { every: 1 } })).toThrow(/predict\.every/)
  })
})
