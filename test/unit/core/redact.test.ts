/**
 * Exact outputs: a test that only checks the secret is gone lets `password=***unter2` pass (the
 * mutation testing of issue 11 found it did), so each case names the whole expected text.
 */
import { describe, expect, test } from 'vitest'
import { capText, MAX_REDACTED_LENGTH, redactSecrets } from '../../../src/core/redact.js'

describe('redactSecrets', () => {
  test.each([
    ['password=hunter2', 'password=***'],
    ['PASSWORD = hunter2 next', 'PASSWORD = *** next'],
    ["host=db password='a b c' user=x", 'host=db password=*** user=x'],
    ['pwd="q w" passwd=abc;port=1', 'pwd=*** passwd=***;port=1'],
    ['?sslmode=off&password=s3&user=a', '?sslmode=off&password=***&user=a'],
    ['API_TOKEN=s3cret', 'API_TOKEN=***'],
    ['DB_PASSWORD=hunter2 MY_SECRET_KEY=abc PATH=/bin', 'DB_PASSWORD=*** MY_SECRET_KEY=*** PATH=/bin'],
    ['FOO=bar,API_TOKEN=x', 'FOO=bar,API_TOKEN=***'],
    ['api_token=lower', 'api_token=lower'],
    ['postgres://app:hunter2@db.internal:5432/x', 'postgres://app:***@db.internal:5432/x'],
    ['postgres://app:S3cr@tPw@db.internal:5432/x', 'postgres://app:***@db.internal:5432/x'],
    ['connect to postgres://app:p#a?ss@db/x failed', 'connect to postgres://app:***@db/x failed'],
    ['postgresql://:only@h', 'postgresql://:***@h'],
    [
      '"mysql://root:pw@127.0.0.1:3306" and me@example.com',
      '"mysql://root:***@127.0.0.1:3306" and me@example.com',
    ],
    ['a http://u:p@h/x b https://v:q@i:1/y', 'a http://u:***@h/x b https://v:***@i:1/y'],
    ['ssh://git@github.com:22/repo', 'ssh://git@github.com:22/repo'],
    ['http://127.0.0.1:3000/health', 'http://127.0.0.1:3000/health'],
    ['http://user@host', 'http://user@host'],
    ['redis://a:b://c:d@e', 'redis://a:b://c:***@e'],
    ['no secrets here', 'no secrets here'],
  ])('%j → %j', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected)
  })

  test('extra patterns are masked whole, global flag or not', () => {
    expect(redactSecrets('key sk_live_123 and sk_live_456', [/sk_live_\d+/])).toBe('key *** and ***')
  })
})

describe('messages kept in reports are capped', () => {
  test('a text at the cap is kept whole; one char more is cut, the cut marked, head and tail kept', () => {
    const whole = 'a'.repeat(MAX_REDACTED_LENGTH)
    expect(redactSecrets(whole)).toBe(whole)
    expect(redactSecrets(`${whole}a`)).toContain('[1025 characters cut by vitest-heal]')
    const text = `HEAD${'x'.repeat(1_000_000)}TAIL`
    const out = redactSecrets(text)
    expect(out.length).toBeLessThanOrEqual(MAX_REDACTED_LENGTH)
    expect(out.startsWith('HEAD')).toBe(true)
    expect(out.endsWith('TAIL')).toBe(true)
    expect(out).toMatch(/\n… \[\d+ characters cut by vitest-heal\] …\n/)
    // The marker counts exactly what is missing.
    const cut = Number(/\[(\d+) characters cut/.exec(out)![1])
    expect(text.length - cut).toBe(out.replace(/\n… \[\d+ characters cut by vitest-heal\] …\n/, '').length)
  })

  test('a secret is redacted before the cut, so the cut never leaves half of it', () => {
    const secret = 'S3cr@t'.repeat(20_000)
    const out = redactSecrets(`postgres://app:${secret}@db:5432/x`)
    expect(out).toBe('postgres://app:***@db:5432/x')
  })

  test('no surrogate pair is split', () => {
    const out = capText('😀'.repeat(MAX_REDACTED_LENGTH))
    expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/)
  })
})
