/** The predictor's keys of the `predict` option: defaults, and errors that name the key. */
import { describe, expect, test } from 'vitest'
import { resolveOptions } from '../../../src/config.js'

describe('predict option, predictor keys', () => {
  test('defaults: alarm at 0.8 within 30 s for 3 ticks; hold, no relief, no restart', () => {
    expect(resolveOptions({}).predict).toEqual({
      intervalMs: 1_000,
      threshold: 0.8,
      windowMs: 30_000,
      persist: 3,
      hold: true,
      relieve: false,
      restart: false,
    })
    expect(
      resolveOptions({
        predict: { threshold: 0.9, window: 10_000, persist: 1, hold: false, relieve: true, restart: true },
      }).predict,
    ).toMatchObject({
      threshold: 0.9,
      windowMs: 10_000,
      persist: 1,
      hold: false,
      relieve: true,
      restart: true,
    })
  })

  test('a bad value names its key', () => {
    expect(() => resolveOptions({ predict: { threshold: 0 } })).toThrow(/predict\.threshold/)
    expect(() => resolveOptions({ predict: { threshold: 1.5 } })).toThrow(/predict\.threshold/)
    expect(() => resolveOptions({ predict: { window: -1 } })).toThrow(/predict\.window/)
    expect(() => resolveOptions({ predict: { persist: 0.5 } })).toThrow(/predict\.persist/)
    expect(() => resolveOptions({ predict: { hold: 'yes' } })).toThrow(/predict\.hold/)
    expect(() => resolveOptions({ predict: { relieve: 1 } })).toThrow(/predict\.relieve/)
    expect(() => resolveOptions({ predict: { restart: null } })).toThrow(/predict\.restart/)
  })
})
