/**
 * Redaction runs on whatever a test throws, so its cost must be linear: a million-character
 * message once made a run spin for ever (issue 11). The inputs are random strings built from the
 * pieces every pattern looks for, repeated until they are long; a quadratic pattern takes seconds
 * on them where a linear one takes milliseconds, so the time limits are loose on purpose.
 */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { redactSecrets } from '../../../src/core/redact.js'

const piece = fc.constantFrom(
  '://',
  ':',
  '@',
  '/',
  ' ',
  '=',
  ' = ',
  "'",
  '"',
  '#',
  '&',
  'x',
  'X',
  '9',
  '_',
  'password',
  'pwd',
  'PASSWORD',
  'TOKEN',
  'SECRET',
  'postgres',
  'postgres://',
  'app:',
  "password='",
  'password="',
)

/** A random pattern of pieces, repeated to about `size` characters. */
const longText = (size: number) =>
  fc
    .tuple(fc.array(piece, { minLength: 1, maxLength: 8 }), fc.string({ maxLength: 4 }))
    .map(([parts, noise]) => {
      const unit = parts.join('') + noise
      return unit.repeat(Math.ceil(size / unit.length))
    })

function timed(text: string): number {
  const started = performance.now()
  redactSecrets(text)
  return performance.now() - started
}

describe('redactSecrets is linear', () => {
  test('any repetition of secret-like pieces, 200,000 characters, in well under a second', () => {
    fc.assert(
      fc.property(longText(200_000), (text) => {
        expect(timed(text)).toBeLessThan(400)
      }),
      { numRuns: 60 },
    )
  })

  test.each([
    ['x', 'unexpected body: ' + 'x'.repeat(10_000_000)],
    ['TOKEN', 'TOKEN'.repeat(2_000_000)],
    ['scheme chars then ://', `${'a'.repeat(5_000_000)}://${'b:'.repeat(2_500_000)}`],
    ["password='", "password='".repeat(1_000_000)],
  ])('a 10 MB message (%s) in well under a second', (_name, text) => {
    expect(timed(text)).toBeLessThan(1_000)
  })
})

describe('what redaction promises for any text', () => {
  const secret = fc.stringMatching(/^[A-Za-z0-9@#?!%&*+,;=:'-]{1,24}$/)
  const user = fc.stringMatching(/^[a-z0-9_.-]{0,12}$/)
  const host = fc.constantFrom('db.internal', '127.0.0.1', 'localhost', '[::1]')

  test('a URL password (with @, :, # or ? in it) is masked whole, the rest kept exactly', () => {
    fc.assert(
      fc.property(user, secret, host, fc.string({ maxLength: 20 }), (u, s, h, noise) => {
        const url = `postgres://${u}:${s}@${h}:5432/x`
        expect(redactSecrets(`${noise.replace(/\S+/g, '')} ${url} `)).toBe(
          `${noise.replace(/\S+/g, '')} postgres://${u}:***@${h}:5432/x `,
        )
      }),
    )
  })

  test('password=… keeps only the key and the mask', () => {
    const value = fc.stringMatching(/^[^\s&;'"]{1,30}$/)
    fc.assert(
      fc.property(value, (v) => {
        expect(redactSecrets(`password=${v}`)).toBe('password=***')
      }),
    )
  })
})
