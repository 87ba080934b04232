/**
 * One realistic example per catalogue rule: each id must be reachable (no rule shadowed by an
 * earlier one), and a new rule cannot land without an example here.
 */
import { describe, expect, test } from 'vitest'
import { classify } from '../../../src/core/classify.js'
import { BUILTIN_RULES } from '../../../src/core/rules.js'
import type { ErrorLike } from '../../../src/core/types.js'

const EXAMPLES: Record<string, ErrorLike> = {
  'vitest.assertion': { name: 'AssertionError', message: 'expected 2 to be 3 // Object.is equality' },
  'vitest.snapshot-mismatch': { name: 'Error', message: 'Snapshot `cart > total 1` mismatched' },
  'vitest.test-timeout': { name: 'Error', message: 'Test timed out in 5000ms.' },
  'vitest.hook-timeout': { name: 'Error', message: 'Hook timed out in 10000ms.' },
  'vitest-heal.outage-overlap': {
    name: 'HealError',
    code: 'E_OUTAGE_OVERLAP',
    message:
      "vitest-heal: db (127.0.0.1:5432) was down while this hook ran (down from 2026-11-30T05:41:27.960Z to 2026-11-30T05:41:28.180Z): its failure (Error: Hook timed out in 5000ms.) is the outage's",
  },
  'webdriver.no-such-session': { name: 'NoSuchSessionError', message: 'invalid session id' },
  'webdriver.session-deleted': {
    name: 'WebDriverError',
    message: 'unknown error: session deleted because of page crash',
  },
  'webdriver.chrome-not-reachable': {
    name: 'WebDriverError',
    message: 'unknown error: chrome not reachable',
  },
  'webdriver.devtools-disconnected': {
    name: 'WebDriverError',
    message:
      'unknown error: cannot determine loading status\nfrom disconnected: Unable to receive message from renderer',
  },
  'webdriver.session-not-created': {
    name: 'SessionNotCreatedError',
    message: 'session not created: Chrome failed to start: exited normally.',
  },
  'webdriver.session-lost': {
    name: 'WebDriverSessionLostError',
    code: 'E_WEBDRIVER_SESSION_LOST',
    message:
      'WebDriver session lost during click By(css selector, #add): Error: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:9515',
  },
  'selenium.not-healed-page-load': {
    name: 'SeleniumHealError',
    code: 'E_SELENIUM_NOT_HEALED',
    message:
      'get http://127.0.0.1:3000/ failed (page_load_failure); healing tried heal-app-and-reload (40 ms). Error: Error: still down',
  },
  'selenium.not-healed': {
    name: 'SeleniumHealError',
    code: 'E_SELENIUM_NOT_HEALED',
    message:
      'findElement By(css selector, #nope) failed (element_not_found); healing tried wait-for-element (5002 ms). Error: NoSuchElementError: no such element',
  },
  'webdriver.page-unreachable': {
    name: 'WebDriverError',
    message: 'unknown error: net::ERR_CONNECTION_REFUSED\n  (Session info: chrome=156.0)',
  },
  'webdriver.page-name-not-resolved': {
    name: 'WebDriverError',
    message: 'unknown error: net::ERR_NAME_NOT_RESOLVED',
  },
  'webdriver.page-load-timeout': {
    name: 'WebDriverError',
    message: 'unknown error: net::ERR_CONNECTION_TIMED_OUT',
  },
  'pg.connection-exception': { name: 'error', code: '08006', message: 'connection failure' },
  'pg.admin-shutdown': {
    name: 'error',
    code: '57P01',
    message: 'terminating connection due to administrator command',
  },
  'pg.crash-shutdown': {
    name: 'error',
    code: '57P02',
    message: 'terminating connection because of crash of another server process',
  },
  'pg.cannot-connect-now': {
    name: 'error',
    code: '57P03',
    message: 'the database system is in recovery mode',
  },
  'pg.too-many-connections': { name: 'error', code: '53300', message: 'sorry, too many clients already' },
  'pg.connection-terminated': { name: 'Error', message: 'Connection terminated unexpectedly' },
  'pg.connection-timeout': { name: 'Error', message: 'timeout exceeded when trying to connect' },
  'pg.not-queryable': {
    name: 'Error',
    message: 'Client has encountered a connection error and is not queryable',
  },
  'pg.client-closed': { name: 'Error', message: 'Client was closed and is not queryable' },
  'pg.serialization-failure': {
    name: 'error',
    code: '40001',
    message: 'could not serialize access due to read/write dependencies among transactions',
  },
  'pg.deadlock': { name: 'error', code: '40P01', message: 'deadlock detected' },
  'pg.syntax-or-access': { name: 'error', code: '42703', message: 'column "emial" does not exist' },
  'pg.integrity-violation': {
    name: 'error',
    code: '23503',
    message: 'insert or update on table "orders" violates foreign key constraint "orders_user_fkey"',
  },
  'pg.data-exception': { name: 'error', code: '22003', message: 'integer out of range' },
  'net.econnrefused': { name: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' },
  'net.econnreset': { name: 'Error', code: 'ECONNRESET', message: 'read ECONNRESET' },
  'net.etimedout': { name: 'Error', code: 'ETIMEDOUT', message: 'connect ETIMEDOUT 127.0.0.1:5432' },
  'net.ehostunreach': { name: 'Error', code: 'EHOSTUNREACH', message: 'connect EHOSTUNREACH 127.0.0.1:5432' },
  'net.enetunreach': { name: 'Error', code: 'ENETUNREACH', message: 'connect ENETUNREACH 127.0.0.1:5432' },
  'net.enotfound': { name: 'Error', code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND db.internal' },
  'net.eai-again': { name: 'Error', code: 'EAI_AGAIN', message: 'getaddrinfo EAI_AGAIN db.internal' },
  'net.epipe': { name: 'Error', code: 'EPIPE', message: 'write EPIPE' },
  'net.econnaborted': { name: 'Error', code: 'ECONNABORTED', message: 'ECONNABORTED' },
  'net.socket-hang-up': { name: 'Error', message: 'socket hang up' },
  'undici.other-side-closed': { name: 'SocketError', code: 'UND_ERR_SOCKET', message: 'other side closed' },
  'undici.timeout': {
    name: 'HeadersTimeoutError',
    code: 'UND_ERR_HEADERS_TIMEOUT',
    message: 'Headers Timeout Error',
  },
  'undici.error': {
    name: 'ClientDestroyedError',
    code: 'UND_ERR_DESTROYED',
    message: 'The client is destroyed',
  },
  'fetch.failed': { name: 'TypeError', message: 'fetch failed' },
  'abort.timeout': { name: 'TimeoutError', code: 23, message: 'The operation was aborted due to timeout' },
  'abort.aborted': { name: 'AbortError', code: 20, message: 'This operation was aborted' },
  'net.internet-disconnected': {
    name: 'WebDriverError',
    message: 'unknown error: net::ERR_INTERNET_DISCONNECTED\n  (Session info: chrome=142.0.7444.175)',
  },
  'security.challenge': {
    name: 'AssertionError',
    message:
      "expected 'Just a moment... Checking your browser before accessing shop.example' to contain 'Cart'",
  },
  'selenium.stale-element': {
    name: 'StaleElementReferenceError',
    message: 'stale element reference: stale element not found',
  },
  'selenium.no-such-element': {
    name: 'NoSuchElementError',
    message: 'no such element: Unable to locate element',
  },
  'selenium.click-intercepted': {
    name: 'ElementClickInterceptedError',
    message: 'element click intercepted',
  },
  'selenium.not-interactable': { name: 'ElementNotInteractableError', message: 'element not interactable' },
  'selenium.wait-timeout': {
    name: 'TimeoutError',
    message: 'Waiting for element to be located By(css selector, .toast)\nWait timed out after 2004ms',
  },
  'selenium.script-timeout': { name: 'ScriptTimeoutError', message: 'script timeout' },
  'js.type-error': { name: 'TypeError', message: "Cannot read properties of undefined (reading 'id')" },
  'js.reference-error': { name: 'ReferenceError', message: 'user is not defined' },
  'js.syntax-error': { name: 'SyntaxError', message: 'Unexpected token } in JSON at position 12' },
  'js.range-error': { name: 'RangeError', message: 'Maximum call stack size exceeded' },
}

const ids = [...new Set(BUILTIN_RULES.map((rule) => rule.id))]

describe('every catalogue rule', () => {
  test('has an example here', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual([...ids].sort())
  })

  test.each(ids)('%s is reachable with its kind', (id) => {
    const verdict = classify({ errors: [EXAMPLES[id]!] })
    const rule = BUILTIN_RULES.find((candidate) => candidate.id === id)!
    expect(verdict).toMatchObject({ rule: id, kind: rule.kind })
  })
})
