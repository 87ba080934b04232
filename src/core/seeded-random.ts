/**
 * The one seeded pseudo-random source of the project (the chaos schedule). A chaos run must be
 * repeatable from its seed alone, on any machine and Node version, so it cannot use Math.random;
 * fast-check's pure-rand is only a dev dependency here, and a 32-bit generator is all a schedule
 * needs. Mulberry32: tiny, fast, passes gjrand's tests at this size; not for cryptography.
 */

/** A generator of floats in [0, 1), the same sequence for the same seed. */
export type Random = () => number

export function seededRandom(seed: number): Random {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/**
 * A seed for the `index`th independent stream of `seed`: each fault draws from its own stream, so
 * adding a fault to a run does not move the points of the faults already in it.
 */
export function streamSeed(seed: number, index: number): number {
  // FNV-1a over the two 32-bit words: cheap, and neighbouring indexes give unrelated seeds.
  let hash = 0x811c9dc5
  for (const word of [seed >>> 0, index >>> 0]) {
    for (let shift = 0; shift < 32; shift += 8) {
      hash ^= (word >>> shift) & 0xff
      hash = Math.imul(hash, 0x01000193) >>> 0
    }
  }
  return hash
}

/** A whole number in [min, max] (both included). */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1))
}
