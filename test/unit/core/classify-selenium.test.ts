/**
 * The verdicts on what vitest-heal/selenium throws when healing gives up, built from the real error
 * classes and serialised the way a reporter receives them (name, message, code, cause; no instanceof).
 */
import { describe, expect, test } from 'vitest'
import { classify } from '../../../src/core/classify.js'
import type { ErrorLike, ServiceRef } from '../../../src/core/types.js'
import { SeleniumHealError, WebDriverSessionLostError } from '../../../src/selenium/errors.js'
import { PageUnreachableError } from '../../../src/selenium/net-error-page.js'

const services: ServiceRef[] = [
  { name: 'db', kind: 'postgres', host: '127.0.0.1', port: 5432 },
  { name: 'app', kind: 'http', host: '127.0.0.1', port: 3000, url: 'http://127.0.0.1:3000/health' },
  { name: 'browser', kind: 'webdriver', host: '127.0.0.1', port: 9515, url: 'http://127.0.0.1:9515' },
]

function serialised(error: unknown): ErrorLike {
  if (!(error instanceof Error)) return error as ErrorLike
  const { code } = error as { code?: unknown }
  return {
    name: error.name,
    message: error.message,
    ...(code === undefined ? {} : { code }),
    ...(error.cause === undefined ? {} : { cause: serialised(error.cause) }),
  }
}

const seleniumError = (name: string, message: string): Error => Object.assign(new Error(message), { name })
const verdictOf = (...errors: unknown[]) => classify({ errors: errors.map(serialised) }, { services })

const noSuchElement = seleniumError(
  'NoSuchElementError',
  'no such element: Unable to locate element: {"method":"css selector","selector":"#nope"}',
)
const refusedPage = seleniumError(
  'WebDriverError',
  'unknown error: net::ERR_CONNECTION_REFUSED\n  (Session info: chrome=156.0)',
)
const attempt = (strategy: string, category: 'element_not_found' | 'page_load_failure') => ({
  strategy,
  category,
  locator: '',
  operation: '',
  ok: false,
  durationMs: 5_000,
})

const missingSelector = new SeleniumHealError({
  operation: 'findElement',
  locator: 'By(css selector, #nope)',
  category: 'element_not_found',
  attempts: [
    attempt('wait-for-element', 'element_not_found'),
    attempt('scroll-into-view', 'element_not_found'),
  ],
  firstError: noSuchElement,
  cause: noSuchElement,
})
const appStillDown = new SeleniumHealError({
  operation: 'get',
  locator: 'http://127.0.0.1:3000/items',
  category: 'page_load_failure',
  attempts: [attempt('heal-app-and-reload', 'page_load_failure')],
  firstError: refusedPage,
  cause: new Error('onInfra did not settle within 60000 ms'),
})

describe('what healing concluded, as a verdict', () => {
  test('a selector that never matched is a test bug, though its cause alone (NoSuchElementError) reads as flaky', () => {
    expect(verdictOf(noSuchElement)).toMatchObject({ kind: 'flaky', rule: 'selenium.no-such-element' })
    expect(verdictOf(missingSelector)).toMatchObject({ kind: 'test-bug', rule: 'selenium.not-healed' })
  })

  test('a page that would not load even after healing is infra, blamed on the app by the URL in the message', () => {
    expect(verdictOf(appStillDown)).toEqual(
      expect.objectContaining({ kind: 'infra', rule: 'selenium.not-healed-page-load', service: 'app' }),
    )
  })

  test('a lost session is infra on the webdriver service, whatever the driver said', () => {
    const lost = new WebDriverSessionLostError(
      'click By(css selector, #add)',
      seleniumError('Error', 'ECONNREFUSED connect ECONNREFUSED 127.0.0.1:9515'),
    )
    expect(verdictOf(lost)).toMatchObject({
      kind: 'infra',
      rule: 'webdriver.session-lost',
      service: 'browser',
    })
    const crashed = new WebDriverSessionLostError('getText', seleniumError('WebDriverError', 'tab crashed'))
    expect(verdictOf(crashed)).toMatchObject({ kind: 'infra', service: 'browser' })
  })

  test("Chromium's network error page after a form post is infra on the app it was posted to", () => {
    const unreachable = Object.assign(
      new PageUnreachableError('http://127.0.0.1:3000/items', 'ERR_CONNECTION_REFUSED'),
      {
        cause: noSuchElement,
      },
    )
    expect(verdictOf(unreachable)).toMatchObject({
      kind: 'infra',
      rule: 'webdriver.page-unreachable',
      service: 'app',
    })
  })

  test('an assertion in the same failure still wins over every selenium verdict', () => {
    const assertion = { name: 'AssertionError', message: "expected 'milk' to be 'bread'" }
    expect(verdictOf(appStillDown, assertion)).toMatchObject({ kind: 'test-bug', rule: 'vitest.assertion' })
  })

  test('infra evidence elsewhere in the failure outranks a selector that was not healed (the probe then confirms it)', () => {
    const refusedDb = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    })
    expect(verdictOf(missingSelector, refusedDb)).toMatchObject({ kind: 'infra', service: 'db' })
  })
})
