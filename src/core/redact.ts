/**
 * Secrets never reach a report: every message, target and error text we print or write passes
 * through `redactSecrets` first.
 *
 * It runs on whatever a test throws, so its cost must be linear in the text: an error message of
 * a million characters once made a run spin for ever here (a backtracking regex), deaf to SIGTERM.
 * Each pattern below is written so that no character is scanned more than a bounded number of
 * times; test/unit/core/redact.property.test.ts holds them to it.
 */

const MASK = '***'

/**
 * A text longer than this (in UTF-16 characters) is cut after redaction: a report that repeats a
 * 10 MB response body helps nobody, and every renderer and every reader pays for it.
 */
export const MAX_REDACTED_LENGTH = 64 * 1024

/** What stays of a cut text: the head (the message) and the tail (where a stack's frames are). */
const KEEP_HEAD = 48 * 1024
const KEEP_TAIL = 15 * 1024

/** libpq keyword form and query parameters: `password=secret`, `?password=secret&…`. */
const KEYWORD_PASSWORD = /\b(password|passwd|pwd)(\s*=\s*)('[^']*'|"[^"]*"|[^\s&;'"]+)/gi
/**
 * Environment-style assignments that commonly hold secrets. The lookahead finds the keyword
 * inside one name and is never re-entered; the obvious `[A-Z_]*(?:TOKEN)[A-Z_]*=` rescans the
 * rest of the name for every keyword in it (quadratic on `TOKENTOKEN…`).
 */
const ENV_SECRET = /\b(?=[A-Z0-9_]*?(?:PASSWORD|SECRET|TOKEN))([A-Z0-9_]+)=\S+/g

export function redactSecrets(text: string, extra: readonly RegExp[] = []): string {
  let out = redactUrlPasswords(text)
    .replace(KEYWORD_PASSWORD, `$1$2${MASK}`)
    .replace(ENV_SECRET, `$1=${MASK}`)
  for (const pattern of extra) {
    const global = pattern.global ? pattern : new RegExp(pattern.source, `${pattern.flags}g`)
    out = out.replace(global, MASK)
  }
  // Cut only once redacted: a cut first could split a secret so that no pattern knows it any more.
  return capText(out)
}

/** Where a URL's authority ends: whitespace, a path, or what quotes or brackets the URL in text. */
function endsAuthority(code: number): boolean {
  return (
    code <= 0x20 || // space and every control character
    code === 0x2f || // '/'
    code === 0x22 || // '"'
    code === 0x3c || // '<'
    code === 0x3e || // '>'
    code === 0x60 || // '`'
    code === 0x7f ||
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x3000 ||
    (code >= 0x2000 && code <= 0x200a)
  )
}

/**
 * `scheme://user:password@host` → `scheme://user:***@host`. The password runs to the *last* `@`
 * of the authority, since users do put `@` in passwords unencoded (`app:S3cr@tPw@db:5432`); `?` and
 * `#` do not end the authority either, so an unencoded `#` in a password is still hidden.
 * Scanned by hand: each authority is read once, and authorities never overlap (a `/` ends one).
 */
function redactUrlPasswords(text: string): string {
  let at = text.indexOf('://')
  if (at === -1) return text
  const parts: string[] = []
  let copied = 0
  while (at !== -1) {
    const start = at + 3
    let end = start
    let colon = -1
    let lastAt = -1
    for (; end < text.length; end++) {
      const code = text.charCodeAt(end)
      if (endsAuthority(code)) break
      if (code === 0x3a && colon === -1 && lastAt === -1)
        colon = end // ':' ending the user name
      else if (code === 0x40) lastAt = end // '@'
    }
    if (colon !== -1 && lastAt > colon + 1) {
      parts.push(text.slice(copied, colon + 1), MASK)
      copied = lastAt
    }
    // The next `://` may begin with the `:` just before the `/` that ended this authority.
    at = text.indexOf('://', Math.max(start, end - 1))
  }
  parts.push(text.slice(copied))
  return parts.join('')
}

/** Cuts text longer than MAX_REDACTED_LENGTH in the middle and says so where it was cut. */
export function capText(text: string): string {
  if (text.length <= MAX_REDACTED_LENGTH) return text
  let head = KEEP_HEAD
  let tail = text.length - KEEP_TAIL
  // Never split a surrogate pair: half of one is not a character in any output encoding.
  if (isHighSurrogate(text.charCodeAt(head - 1))) head--
  if (isLowSurrogate(text.charCodeAt(tail))) tail++
  const cut = tail - head
  return `${text.slice(0, head)}\n… [${cut} characters cut by vitest-heal] …\n${text.slice(tail)}`
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff
}
