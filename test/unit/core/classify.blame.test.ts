/**
 * Blame where the first address in the text is the wrong one, errors that name no address, and the
 * `ambiguous` flag of every PostgreSQL and network rule (it decides infra against flaky once the
 * blamed service is probed healthy, so each one is pinned here).
 */
import { describe, expect, test } from 'vitest'
import { classify } from '../../../src/core/classify.js'
import { confirmVerdict, isAmbiguousRule } from '../../../src/core/confirm.js'
import { BUILTIN_RULES } from '../../../src/core/rules.js'
import type { ServiceRef } from '../../../src/core/types.js'

const APP_PORT = 41_873
const DRIVER_PORT = 9_515

describe('a WebDriver session lost during driver.get(<app URL>)', () => {
  const services: ServiceRef[] = [
    { name: 'app', kind: 'http', url: `http://127.0.0.1:${APP_PORT}/health` },
    { name: 'browser', kind: 'webdriver', url: `http://127.0.0.1:${DRIVER_PORT}` },
  ]

  test('blames the webdriver service, though the page URL comes first in the message', () => {
    const verdict = classify(
      {
        errors: [
          {
            name: 'WebDriverSessionLostError',
            code: 'E_WEBDRIVER_SESSION_LOST',
            message:
              `WebDriver session lost during get http://127.0.0.1:${APP_PORT}/x: ` +
              `Error: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:${DRIVER_PORT}`,
          },
        ],
      },
      { services },
    )
    expect(verdict).toMatchObject({ kind: 'infra', rule: 'webdriver.session-lost', service: 'browser' })
  })

  test('an invalid session id quoting only the app URL still blames the browser', () => {
    const verdict = classify(
      {
        errors: [
          {
            name: 'NoSuchSessionError',
            message: `invalid session id during get http://127.0.0.1:${APP_PORT}/`,
          },
        ],
      },
      { services },
    )
    expect(verdict.service).toBe('browser')
  })

  test('a refused page load is still the app (its rule names the http kind)', () => {
    const verdict = classify(
      {
        errors: [
          {
            name: 'WebDriverError',
            message: `unknown error: net::ERR_CONNECTION_REFUSED\n  (Session info: chrome=120) at http://127.0.0.1:${DRIVER_PORT}`,
          },
        ],
      },
      { services },
    )
    expect(verdict).toMatchObject({ kind: 'infra', service: 'app' })
  })
})

describe('errors that name no address', () => {
  const aborted = { name: 'AbortError', code: 20, message: 'This operation was aborted' }
  const db: ServiceRef = { name: 'db', kind: 'postgres', url: 'postgres://u@127.0.0.1:5432/x' }
  const api: ServiceRef = { name: 'api', kind: 'http', url: 'http://127.0.0.1:8080/health' }
  const web: ServiceRef = { name: 'web', kind: 'http', url: 'http://127.0.0.1:3000/' }

  test('fetch aborted through an AbortController is ambiguous infra, not a test bug', () => {
    const verdict = classify({ errors: [aborted] }, { services: [db, api] })
    expect(verdict).toMatchObject({ kind: 'infra', rule: 'abort.aborted', service: 'api' })
    expect(isAmbiguousRule(verdict.rule)).toBe(true)
    // A healthy service at failure time: it was only slow.
    expect(confirmVerdict(verdict, 'healthy').verdict.kind).toBe('flaky')
  })

  test('an HTTP client error is attributed to the one http service, not to one of several', () => {
    const fetchFailed = {
      name: 'TypeError',
      message: 'fetch failed',
      cause: { name: 'SocketError', code: 'UND_ERR_SOCKET', message: 'other side closed' },
    }
    expect(classify({ errors: [fetchFailed] }, { services: [db, api] }).service).toBe('api')
    expect(classify({ errors: [fetchFailed] }, { services: [db, api, web] }).service).toBeUndefined()
    expect(
      classify({ errors: [fetchFailed], tags: ['needs:web'] }, { services: [db, api, web] }).service,
    ).toBe('web')
    // Not an HTTP client's error: a bare reset may be any service's.
    const reset = { name: 'Error', code: 'ECONNRESET', message: 'read ECONNRESET' }
    expect(classify({ errors: [reset] }, { services: [db, api] }).service).toBeUndefined()
  })

  test('a cause that says why the request was aborted outranks the AbortError', () => {
    const verdict = classify(
      {
        errors: [
          {
            ...aborted,
            cause: {
              name: 'Caused by: TimeoutError',
              code: 23,
              message: 'The operation was aborted due to timeout',
            },
          },
        ],
      },
      { services: [api] },
    )
    expect(verdict).toMatchObject({ kind: 'infra', rule: 'abort.timeout', service: 'api' })
  })
})

describe('the ambiguous flag of every PostgreSQL and network rule', () => {
  // true: the signature also fits a healthy service under load, so a healthy probe makes it flaky.
  const EXPECTED: Record<string, boolean> = {
    'pg.connection-exception': false,
    'pg.admin-shutdown': false,
    'pg.crash-shutdown': false,
    'pg.cannot-connect-now': false,
    'pg.too-many-connections': true,
    'pg.connection-terminated': false,
    'pg.connection-timeout': true,
    'pg.not-queryable': false,
    'pg.serialization-failure': false,
    'pg.deadlock': false,
    'pg.client-closed': false,
    'pg.syntax-or-access': false,
    'pg.integrity-violation': false,
    'pg.data-exception': false,
    'net.econnrefused': false,
    'net.econnreset': true,
    'net.etimedout': true,
    'net.ehostunreach': false,
    'net.enetunreach': false,
    'net.enotfound': false,
    'net.internet-disconnected': false,
    'net.eai-again': true,
    'net.epipe': true,
    'net.econnaborted': true,
    'net.socket-hang-up': true,
    'undici.other-side-closed': true,
    'undici.timeout': true,
    'undici.error': false,
    'fetch.failed': false,
    'abort.timeout': true,
    'abort.aborted': true,
  }
  const ids = [...new Set(BUILTIN_RULES.map((rule) => rule.id))].filter((id) =>
    /^(?:pg|net|undici|fetch|abort)\./.test(id),
  )

  test('is pinned for each of them, and every shape of a rule agrees', () => {
    expect(ids.sort()).toEqual(Object.keys(EXPECTED).sort())
    for (const id of ids) {
      const flags = new Set(
        BUILTIN_RULES.filter((rule) => rule.id === id).map((rule) => rule.ambiguous === true),
      )
      expect([...flags], id).toEqual([EXPECTED[id]])
    }
  })

  test.each(Object.entries(EXPECTED))('%s → a healthy probe makes infra flaky: %s', (id, ambiguous) => {
    const verdict = { kind: 'infra' as const, service: 'db', rule: id, evidence: 'x' }
    expect(confirmVerdict(verdict, 'healthy').verdict.kind).toBe(ambiguous ? 'flaky' : 'infra')
  })
})
