/**
 * The two browser-era signatures the catalogue lacked (issue 12): the machine's network gone
 * (ERR_INTERNET_DISCONNECTED) and a bot-protection page answering instead of the app. Both are
 * infra and never a test bug; neither blames a declared service, so a retry spends only the
 * small budget of an unblamed infra failure (never a loop of recoveries).
 */
import { describe, expect, test } from 'vitest'
import { classify } from '../../../src/core/classify.js'
import { decideRetry, DEFAULT_RETRY_BUDGET } from '../../../src/core/retry-policy.js'

const services = [
  { name: 'app', kind: 'http', url: 'http://127.0.0.1:3000' },
  { name: 'browser', kind: 'webdriver', url: 'http://127.0.0.1:9515' },
]

describe('network error: ERR_INTERNET_DISCONNECTED', () => {
  test('is infra, blames no declared service, wins over a selenium wait that followed it', () => {
    const verdict = classify(
      {
        errors: [
          { name: 'TimeoutError', message: 'Wait timed out after 5000ms' },
          { name: 'WebDriverError', message: 'unknown error: net::ERR_INTERNET_DISCONNECTED' },
        ],
      },
      { services },
    )
    expect(verdict).toMatchObject({ kind: 'infra', rule: 'net.internet-disconnected' })
    expect(verdict.service).toBeUndefined()
  })
})

describe('security challenge page', () => {
  test.each([
    'Attention Required! | Cloudflare',
    'Please complete the security check to access shop.example',
    'Just a moment... Checking your browser before accessing',
    'reCAPTCHA: verify you are human',
  ])('an assertion about a page that says "%s" is infra, not a test bug', (page) => {
    const verdict = classify(
      { errors: [{ name: 'AssertionError', message: `expected '${page}' to contain 'Cart'` }] },
      { services },
    )
    expect(verdict).toMatchObject({ kind: 'infra', rule: 'security.challenge' })
  })

  test('an assertion with no challenge text stays a test bug', () => {
    const verdict = classify({
      errors: [{ name: 'AssertionError', message: "expected 'Checkout' to be 'Cart'" }],
    })
    expect(verdict).toMatchObject({ kind: 'test-bug', rule: 'vitest.assertion' })
  })

  test('is retried at most the flaky budget, never into a loop', () => {
    const verdict = classify(
      { errors: [{ name: 'Error', message: 'Cloudflare security check' }] },
      { services },
    )
    const decisions = [0, 1, 2, 3].map((flaky) =>
      decideRetry(verdict, { infra: 0, flaky }, DEFAULT_RETRY_BUDGET),
    )
    expect(decisions.map((d) => d.retry)).toEqual([true, true, false, false])
  })
})
