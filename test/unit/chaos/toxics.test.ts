import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { actsIn, sliceBounds, validateToxic } from '../../../src/chaos/toxics.js'

describe('sliceBounds (slicer.go chunk())', () => {
  it('property: the slices are contiguous, cover the chunk, and stay within average ± variation when the chunk is larger', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 1, max: 500 }),
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (length, average, share, seed) => {
          const variation = Math.floor(average * share)
          let state = seed
          const random = (): number => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
          const cuts = sliceBounds(0, length, { average_size: average, size_variation: variation }, random)
          const wrong: string[] = []
          if (cuts[0] !== 0 || cuts.at(-1) !== length) wrong.push(`ends ${cuts[0]}..${cuts.at(-1)}`)
          for (let i = 1; i < cuts.length; i += 2) {
            const size = cuts[i]! - cuts[i - 1]!
            if (size <= 0 || size > average + variation) wrong.push(`slice ${i} of ${size} bytes`)
            if (i + 1 < cuts.length && cuts[i + 1] !== cuts[i]) wrong.push(`gap after slice ${i}`)
          }
          expect(wrong).toEqual([])
        },
      ),
    )
  })
})

describe('validateToxic', () => {
  it('accepts what Toxiproxy accepts and names the attribute it refuses', () => {
    expect(() => validateToxic('latency', { latency: 0, jitter: 5 }, {})).not.toThrow()
    expect(() => validateToxic('timeout', {}, { stream: 'upstream', toxicity: 0.5 })).not.toThrow()
    expect(() => validateToxic('latency', {}, {})).toThrow(/latency must be a number/)
    expect(() => validateToxic('slicer', { average_size: 0 }, {})).toThrow(
      /average_size must be a number ≥ 1/,
    )
    expect(() => validateToxic('reset_peer', null, {})).toThrow(/params must be an object/)
  })

  it('a toxic acts in its stream, or in both', () => {
    expect(actsIn('downstream', 'downstream')).toBe(true)
    expect(actsIn('downstream', 'upstream')).toBe(false)
    expect(actsIn('both', 'upstream')).toBe(true)
  })
})
