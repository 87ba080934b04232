/**
 * What the mutation testing of redact.ts (issue 11, `npm run mutation`) found unpinned: which
 * characters end a URL's authority (one that does not would let a password run on into the next
 * word, or hide a secret that follows), which `:` starts the password, and where the cap cuts
 * around a surrogate pair. Each case names the whole expected text.
 */
import { describe, expect, test } from 'vitest'
import { capText, MAX_REDACTED_LENGTH, redactSecrets } from '../../../src/core/redact.js'

describe('a URL authority ends at whitespace, a path, or what quotes or brackets the URL', () => {
  const enders: [string, string][] = [
    ['space', ' '],
    ['tab', '\t'],
    ['newline', '\n'],
    ['NUL', '\u0000'],
    ['slash', '/'],
    ['double quote', '"'],
    ['less-than', '<'],
    ['greater-than', '>'],
    ['backtick', '`'],
    ['DEL', '\u007f'],
    ['next line', '\u0085'],
    ['no-break space', '\u00a0'],
    ['en quad (first of U+2000..U+200A)', '\u2000'],
    ['hair space (last of U+2000..U+200A)', '\u200a'],
    ['line separator', '\u2028'],
    ['paragraph separator', '\u2029'],
    ['ideographic space', '\u3000'],
  ]
  test.each(enders)('%s: an @ after it is not the password’s end', (_name, end) => {
    const text = `postgres://app:pw${end}me@example.com`
    expect(redactSecrets(text)).toBe(text)
  })

  const notEnders: [string, string][] = [
    ['single quote', "'"],
    ['zero-width space U+200B', '\u200b'],
    ['U+1FFF', '\u1fff'],
    ['!', '!'],
  ]
  test.each(notEnders)('%s is part of the password', (_name, inside) => {
    expect(redactSecrets(`postgres://app:p${inside}w@db:5432/x`)).toBe('postgres://app:***@db:5432/x')
  })
})

describe('which : and which @ bound the password', () => {
  test.each([
    // The first `:` of the user info ends the user name; later ones belong to the password.
    ['postgres://app:pa:ss@db/x', 'postgres://app:***@db/x'],
    // A `:` after an `@` is a port, not a password: `user@host:1@x` has no password to hide.
    ['http://user@host:1@x', 'http://user@host:1@x'],
    // An empty password is nothing to hide.
    ['postgres://app:@db/x', 'postgres://app:@db/x'],
    ['postgres://app:x@db/x', 'postgres://app:***@db/x'],
    // Without `://` nothing is a URL, however much it looks like user info.
    ['xyzapp:pw@db', 'xyzapp:pw@db'],
    ['://a:b@c', '://a:***@c'],
  ])('%j → %j', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected)
  })
})

describe('the cap never splits a surrogate pair', () => {
  // The cut keeps the first 48 KiB and the last 15 KiB (in UTF-16 code units).
  const HEAD = 48 * 1024
  const TAIL = 15 * 1024
  const marker = (cut: number) => `\n… [${cut} characters cut by vitest-heal] …\n`
  const long = MAX_REDACTED_LENGTH + 1000

  test('the cut falls where it says: 48 KiB of head, 15 KiB of tail', () => {
    const text = 'h'.repeat(HEAD) + 'm'.repeat(long - HEAD - TAIL) + 't'.repeat(TAIL)
    expect(capText(text)).toBe('h'.repeat(HEAD) + marker(long - HEAD - TAIL) + 't'.repeat(TAIL))
  })

  test.each([
    ['a pair', '\ud83d\ude00'],
    ['a lone U+D800', '\ud800'],
    ['a lone U+DBFF', '\udbff'],
  ])('a high surrogate (%s) as the head’s last unit goes to the cut', (_name, unit) => {
    const text = 'h'.repeat(HEAD - 1) + unit + 'm'.repeat(long - HEAD - unit.length + 1)
    const middle = long - HEAD - TAIL + 1
    expect(capText(text)).toBe('h'.repeat(HEAD - 1) + marker(middle) + 'm'.repeat(TAIL))
  })

  test.each([
    ['U+D7FF', '\ud7ff'],
    ['U+DC00 (a low surrogate)', '\udc00'],
  ])('%s as the head’s last unit stays', (_name, unit) => {
    const text = 'h'.repeat(HEAD - 1) + unit + 'm'.repeat(long - HEAD)
    expect(capText(text)).toBe('h'.repeat(HEAD - 1) + unit + marker(long - HEAD - TAIL) + 'm'.repeat(TAIL))
  })

  test('a high surrogate just after the head is cut with the middle; the head keeps its length', () => {
    const text = 'h'.repeat(HEAD + 1) + '\ud83d\ude00' + 'm'.repeat(long - HEAD - 3)
    expect(capText(text)).toBe('h'.repeat(HEAD) + marker(long - HEAD - TAIL) + 'm'.repeat(TAIL))
  })

  test.each([
    ['a pair', '\ud83d\ude00'],
    ['a lone U+DC00', '\udc00'],
    ['a lone U+DFFF', '\udfff'],
  ])('a low surrogate (%s) as the tail’s first unit goes to the cut', (_name, unit) => {
    const rest = 't'.repeat(TAIL - 1)
    const text = 'h'.repeat(long - TAIL - unit.length + 1) + unit + rest
    expect(capText(text)).toBe('h'.repeat(HEAD) + marker(long - HEAD - TAIL + 1) + rest)
  })

  test.each([
    ['U+E000', '\ue000'],
    ['U+DBFF (a high surrogate)', '\udbff'],
  ])('%s as the tail’s first unit stays', (_name, unit) => {
    const rest = 't'.repeat(TAIL - 1)
    const text = 'h'.repeat(long - TAIL) + unit + rest
    expect(capText(text)).toBe('h'.repeat(HEAD) + marker(long - HEAD - TAIL) + unit + rest)
  })
})
