/**
 * What the mutation testing of rules.ts (issue 11) found unpinned. The catalogue is data, and
 * each field of it acts somewhere: `kind` is the verdict, `category` picks the healing strategy
 * (selenium/categories.ts, the history's recovery strategies), `service` the family blamed,
 * `precedence` which error of a chain decides, `ambiguous` whether a healthy probe makes infra
 * flaky. Every shape of a rule (an alternative way the same failure looks) must reach it: the
 * catalogue test has one example per rule, these have one per shape.
 */
import { describe, expect, test } from 'vitest'
import { classify } from '../../../src/core/classify.js'
import { BUILTIN_RULES } from '../../../src/core/rules.js'
import type { ErrorLike } from '../../../src/core/types.js'

type Row = [
  kind: string,
  category: string,
  service: string | null,
  precedence: string | null,
  ambiguous: boolean,
]

const CATALOGUE: Record<string, Row> = {
  'security.challenge': ['infra', 'security_challenge', null, 'final', false],
  'vitest.assertion': ['test-bug', 'assertion', null, 'final', false],
  'vitest.snapshot-mismatch': ['test-bug', 'assertion', null, 'final', false],
  'vitest.test-timeout': ['flaky', 'timeout', null, null, false],
  'vitest.hook-timeout': ['flaky', 'timeout', null, null, false],
  'vitest-heal.outage-overlap': ['infra', 'service_unavailable', null, 'escalate', false],
  'webdriver.no-such-session': ['infra', 'session_lost', 'webdriver', 'escalate', false],
  'webdriver.session-deleted': ['infra', 'session_lost', 'webdriver', 'escalate', false],
  'webdriver.chrome-not-reachable': ['infra', 'session_lost', 'webdriver', 'escalate', false],
  'webdriver.devtools-disconnected': ['infra', 'session_lost', 'webdriver', 'escalate', false],
  'webdriver.session-not-created': ['infra', 'session_lost', 'webdriver', 'escalate', false],
  'webdriver.session-lost': ['infra', 'session_lost', 'webdriver', 'escalate', false],
  'selenium.not-healed-page-load': ['infra', 'page_load_failure', 'http', 'escalate', false],
  'selenium.not-healed': ['test-bug', 'action_execution_failure', null, null, false],
  'webdriver.page-unreachable': ['infra', 'page_load_failure', 'http', 'escalate', false],
  'webdriver.page-name-not-resolved': ['infra', 'page_load_failure', 'http', 'escalate', false],
  'webdriver.page-load-timeout': ['infra', 'page_load_failure', 'http', 'escalate', true],
  'net.internet-disconnected': ['infra', 'network_error', null, 'escalate', false],
  'pg.connection-exception': ['infra', 'database_unavailable', 'postgres', 'escalate', false],
  'pg.admin-shutdown': ['infra', 'database_unavailable', 'postgres', 'escalate', false],
  'pg.crash-shutdown': ['infra', 'database_unavailable', 'postgres', 'escalate', false],
  'pg.cannot-connect-now': ['infra', 'database_unavailable', 'postgres', 'escalate', false],
  'pg.too-many-connections': ['infra', 'database_unavailable', 'postgres', 'escalate', true],
  'pg.connection-terminated': ['infra', 'database_unavailable', 'postgres', 'escalate', false],
  'pg.connection-timeout': ['infra', 'database_unavailable', 'postgres', 'escalate', true],
  'pg.not-queryable': ['infra', 'database_unavailable', 'postgres', 'escalate', false],
  'pg.client-closed': ['test-bug', 'database_query', null, null, false],
  'pg.serialization-failure': ['flaky', 'database_conflict', 'postgres', 'escalate', false],
  'pg.deadlock': ['flaky', 'database_conflict', 'postgres', 'escalate', false],
  'pg.syntax-or-access': ['test-bug', 'database_query', null, null, false],
  'pg.integrity-violation': ['test-bug', 'database_query', null, null, false],
  'pg.data-exception': ['test-bug', 'database_query', null, null, false],
  'net.econnrefused': ['infra', 'network_error', null, 'escalate', false],
  'net.econnreset': ['infra', 'network_error', null, 'escalate', true],
  'net.etimedout': ['infra', 'network_error', null, 'escalate', true],
  'net.ehostunreach': ['infra', 'network_error', null, 'escalate', false],
  'net.enetunreach': ['infra', 'network_error', null, 'escalate', false],
  'net.enotfound': ['infra', 'network_error', null, 'escalate', false],
  'net.eai-again': ['infra', 'network_error', null, 'escalate', true],
  'net.epipe': ['infra', 'network_error', null, 'escalate', true],
  'net.econnaborted': ['infra', 'network_error', null, 'escalate', true],
  'net.socket-hang-up': ['infra', 'network_error', null, 'escalate', true],
  'undici.other-side-closed': ['infra', 'network_error', null, 'escalate', true],
  'undici.timeout': ['infra', 'timeout', null, 'escalate', true],
  'undici.error': ['infra', 'network_error', null, 'escalate', false],
  'fetch.failed': ['infra', 'network_error', null, null, false],
  'abort.timeout': ['infra', 'timeout', null, 'escalate', true],
  'abort.aborted': ['infra', 'timeout', null, null, true],
  'selenium.stale-element': ['flaky', 'element_not_found', null, null, false],
  'selenium.no-such-element': ['flaky', 'element_not_found', null, null, false],
  'selenium.click-intercepted': ['flaky', 'action_execution_failure', null, null, false],
  'selenium.not-interactable': ['flaky', 'action_execution_failure', null, null, false],
  'selenium.wait-timeout': ['flaky', 'timeout', null, null, false],
  'selenium.script-timeout': ['flaky', 'timeout', null, null, false],
  'js.type-error': ['test-bug', 'code_error', null, null, false],
  'js.reference-error': ['test-bug', 'code_error', null, null, false],
  'js.syntax-error': ['test-bug', 'code_error', null, null, false],
  'js.range-error': ['test-bug', 'code_error', null, null, false],
}

describe('every field of every rule, every shape agreeing', () => {
  test('the catalogue holds exactly these ids, in this order', () => {
    expect([...new Set(BUILTIN_RULES.map((rule) => rule.id))]).toEqual(Object.keys(CATALOGUE))
  })

  test.each(Object.entries(CATALOGUE))('%s', (id, row) => {
    const shapes = BUILTIN_RULES.filter((rule) => rule.id === id)
    for (const rule of shapes) {
      expect([
        rule.kind,
        rule.category,
        rule.service ?? null,
        rule.precedence ?? null,
        rule.ambiguous === true,
      ]).toEqual(row)
      // `ambiguous: false` is not written out: a rule's data is public, and absent reads as false.
      expect(Object.keys(rule).sort()).toEqual(
        [
          'id',
          'kind',
          'when',
          'category',
          ...(row[2] ? ['service'] : []),
          ...(row[3] ? ['precedence'] : []),
          ...(row[4] ? ['ambiguous'] : []),
        ].sort(),
      )
    }
  })
})

/** One example per shape, in the catalogue's order of shapes. */
const SHAPES: [string, ErrorLike][] = [
  ['security.challenge', { message: 'Attention Required! | Cloudflare' }],
  ['security.challenge', { message: 'Please complete the hCaptcha' }],
  ['security.challenge', { message: 'Checking your browser before accessing' }],
  ['security.challenge', { message: 'Verify you are human' }],
  ['security.challenge', { message: 'verify you are a human' }],
  ['security.challenge', { message: 'a security check is required' }],
  ['security.challenge', { message: 'reCAPTCHA failed' }],
  ['security.challenge', { message: 'please solve the captcha' }],
  ['vitest.assertion', { name: 'JestAssertionError', message: 'expected 1' }],
  ['vitest.assertion', { name: 'Error', code: 'ERR_ASSERTION', message: 'x' }],
  ['vitest.snapshot-mismatch', { message: 'Snapshot `a > b 1` mismatched' }],
  ['vitest.snapshot-mismatch', { message: 'Obsolete snapshot in file x' }],
  ['vitest.test-timeout', { message: 'Test timed out in 5000ms.' }],
  ['vitest.hook-timeout', { message: 'Hook timed out in 10000ms.' }],
  ['vitest-heal.outage-overlap', { name: 'HealError', code: 'E_OUTAGE_OVERLAP', message: 'x' }],
  ['webdriver.no-such-session', { name: 'NoSuchSessionError', message: 'x' }],
  ['webdriver.no-such-session', { name: 'WebDriverError', message: 'Invalid Session Id' }],
  ['webdriver.session-deleted', { name: 'WebDriverError', message: 'Session deleted because of page crash' }],
  ['webdriver.chrome-not-reachable', { name: 'WebDriverError', message: 'Chrome not reachable' }],
  [
    'webdriver.devtools-disconnected',
    { name: 'WebDriverError', message: 'disconnected: not connected to devtools' },
  ],
  [
    'webdriver.devtools-disconnected',
    { name: 'WebDriverError', message: 'unable to receive message from renderer' },
  ],
  ['webdriver.devtools-disconnected', { name: 'WebDriverError', message: 'Tab crashed' }],
  ['webdriver.session-not-created', { name: 'SessionNotCreatedError', message: 'x' }],
  ['webdriver.session-lost', { code: 'E_WEBDRIVER_SESSION_LOST', message: 'x' }],
  [
    'selenium.not-healed-page-load',
    { code: 'E_SELENIUM_NOT_HEALED', message: 'get / failed (page_load_failure)' },
  ],
  ['selenium.not-healed', { code: 'E_SELENIUM_NOT_HEALED', message: 'click failed (element_not_found)' }],
  ['webdriver.page-unreachable', { message: 'net::ERR_CONNECTION_REFUSED' }],
  ['webdriver.page-unreachable', { message: 'net::ERR_CONNECTION_RESET' }],
  ['webdriver.page-unreachable', { message: 'net::ERR_CONNECTION_CLOSED' }],
  ['webdriver.page-unreachable', { message: 'net::ERR_EMPTY_RESPONSE' }],
  ['webdriver.page-unreachable', { message: 'net::ERR_ADDRESS_UNREACHABLE' }],
  ['webdriver.page-name-not-resolved', { message: 'net::ERR_NAME_NOT_RESOLVED' }],
  ['webdriver.page-load-timeout', { message: 'net::ERR_CONNECTION_TIMED_OUT' }],
  ['webdriver.page-load-timeout', { message: 'net::ERR_TIMED_OUT' }],
  ['net.internet-disconnected', { message: 'net::ERR_INTERNET_DISCONNECTED' }],
  ['pg.connection-exception', { code: '08006', message: 'x' }],
  ['pg.connection-exception', { code: '08P01', message: 'x' }],
  ['pg.connection-exception', { message: 'Could not connect to server: No such file' }],
  ['pg.admin-shutdown', { code: '57P01', message: 'x' }],
  ['pg.admin-shutdown', { message: 'terminating connection due to administrator command' }],
  ['pg.admin-shutdown', { message: 'FATAL: Terminating connection due to unexpected postmaster exit' }],
  ['pg.crash-shutdown', { code: '57P02', message: 'x' }],
  ['pg.crash-shutdown', { message: 'terminating connection because of crash of another server process' }],
  ['pg.cannot-connect-now', { code: '57P03', message: 'x' }],
  ['pg.cannot-connect-now', { message: 'the database system is starting up' }],
  ['pg.cannot-connect-now', { message: 'the database system is shutting down' }],
  ['pg.cannot-connect-now', { message: 'the database system is in recovery mode' }],
  ['pg.cannot-connect-now', { message: 'the database system is not yet accepting connections' }],
  ['pg.cannot-connect-now', { message: 'The database system is not accepting connections' }],
  ['pg.too-many-connections', { code: '53300', message: 'x' }],
  ['pg.too-many-connections', { message: 'sorry, too many clients already' }],
  ['pg.too-many-connections', { message: 'Remaining connection slots are reserved for superuser' }],
  ['pg.connection-terminated', { message: 'connection terminated unexpectedly' }],
  ['pg.connection-timeout', { message: 'Timeout exceeded when trying to connect' }],
  ['pg.connection-timeout', { message: 'connection terminated due to connection timeout' }],
  ['pg.connection-timeout', { message: 'timeout expired' }],
  ['pg.not-queryable', { message: 'Client has encountered a connection error and is not queryable' }],
  ['pg.client-closed', { message: 'client was closed and is not queryable' }],
  ['pg.serialization-failure', { code: '40001', message: 'x' }],
  ['pg.serialization-failure', { message: 'Could not serialize access due to concurrent update' }],
  ['pg.deadlock', { code: '40P01', message: 'x' }],
  ['pg.deadlock', { message: 'Deadlock detected' }],
  ['pg.syntax-or-access', { code: '42P01', message: 'x' }],
  ['pg.syntax-or-access', { message: 'Syntax error at or near "selec"' }],
  ['pg.syntax-or-access', { message: 'relation "users" does not exist' }],
  ['pg.syntax-or-access', { message: 'column "nme" does not exist' }],
  ['pg.syntax-or-access', { message: 'column "nme" of relation "users" does not exist' }],
  ['pg.integrity-violation', { code: '23505', message: 'x' }],
  ['pg.integrity-violation', { message: 'violates unique constraint "u"' }],
  ['pg.integrity-violation', { message: 'violates foreign key constraint "f"' }],
  ['pg.integrity-violation', { message: 'violates not-null constraint' }],
  ['pg.integrity-violation', { message: 'violates check constraint "c"' }],
  ['pg.integrity-violation', { message: 'Violates exclusion constraint "e"' }],
  ['pg.data-exception', { code: '22P02', message: 'x' }],
  ['pg.data-exception', { message: 'Invalid input syntax for type integer: "x"' }],
  ['net.econnrefused', { code: 'ECONNREFUSED', message: 'x' }],
  ['net.econnrefused', { message: 'connect ECONNREFUSED' }],
  ['net.econnreset', { code: 'ECONNRESET', message: 'x' }],
  ['net.econnreset', { message: 'read ECONNRESET' }],
  ['net.etimedout', { code: 'ETIMEDOUT', message: 'x' }],
  ['net.etimedout', { message: 'connect ETIMEDOUT' }],
  ['net.ehostunreach', { code: 'EHOSTUNREACH', message: 'x' }],
  ['net.ehostunreach', { message: 'connect EHOSTUNREACH' }],
  ['net.enetunreach', { code: 'ENETUNREACH', message: 'x' }],
  ['net.enetunreach', { message: 'connect ENETUNREACH' }],
  ['net.enotfound', { code: 'ENOTFOUND', message: 'x' }],
  ['net.enotfound', { message: 'getaddrinfo ENOTFOUND db' }],
  ['net.eai-again', { code: 'EAI_AGAIN', message: 'x' }],
  ['net.eai-again', { message: 'getaddrinfo EAI_AGAIN db' }],
  ['net.epipe', { code: 'EPIPE', message: 'x' }],
  ['net.epipe', { message: 'write EPIPE' }],
  ['net.econnaborted', { code: 'ECONNABORTED', message: 'x' }],
  ['net.econnaborted', { message: 'ECONNABORTED' }],
  ['net.socket-hang-up', { message: 'Socket hang up' }],
  ['undici.other-side-closed', { code: 'UND_ERR_SOCKET', message: 'x' }],
  ['undici.other-side-closed', { message: 'Other side closed' }],
  ['undici.timeout', { code: 'UND_ERR_CONNECT_TIMEOUT', message: 'x' }],
  ['undici.timeout', { code: 'UND_ERR_HEADERS_TIMEOUT', message: 'x' }],
  ['undici.timeout', { code: 'UND_ERR_BODY_TIMEOUT', message: 'x' }],
  ['undici.error', { code: 'UND_ERR_CLOSED', message: 'x' }],
  ['fetch.failed', { name: 'TypeError', message: 'fetch failed' }],
  ['abort.timeout', { name: 'TimeoutError', message: 'The operation was Aborted due to timeout' }],
  ['abort.aborted', { name: 'AbortError', message: 'This operation was aborted' }],
  ['abort.aborted', { name: 'AbortError', message: 'the operation was aborted' }],
  ['selenium.stale-element', { name: 'StaleElementReferenceError', message: 'x' }],
  ['selenium.no-such-element', { name: 'NoSuchElementError', message: 'x' }],
  ['selenium.click-intercepted', { name: 'ElementClickInterceptedError', message: 'x' }],
  ['selenium.not-interactable', { name: 'ElementNotInteractableError', message: 'x' }],
  ['selenium.wait-timeout', { name: 'TimeoutError', message: 'Waiting for element' }],
  ['selenium.script-timeout', { name: 'ScriptTimeoutError', message: 'x' }],
  ['js.type-error', { name: 'TypeError', message: 'x is not a function' }],
  ['js.reference-error', { name: 'ReferenceError', message: 'x is not defined' }],
  ['js.syntax-error', { name: 'SyntaxError', message: 'Unexpected token' }],
  ['js.range-error', { name: 'RangeError', message: 'Invalid array length' }],
]

describe('each shape reaches its rule', () => {
  test.each(SHAPES)('%s ← %j', (id, error) => {
    expect(classify({ errors: [error] }).rule).toBe(id)
  })
})

/** Texts that look close to a signature but are not it: anchors, word edges and exact codes. */
const NEAR_MISSES: [string, ErrorLike][] = [
  ['default', { name: 'MyAssertionError', message: 'x' }],
  ['default', { name: 'AssertionErrorish', message: 'x' }],
  ['default', { message: 'see: Snapshot `a` mismatched' }],
  ['default', { message: 'no Obsolete snapshot' }],
  ['default', { message: 'Test timed out in ms' }],
  ['default', { message: 'a Test timed out in 5ms' }],
  ['default', { message: 'a Hook timed out in 5ms' }],
  ['default', { message: 'reinvalid session id' }],
  ['default', { message: 'my_chrome not reachable' }],
  ['default', { message: 'cloudflared tunnel' }],
  ['default', { message: 'captchas' }],
  ['default', { message: 'net::ERR_CONNECTION_REFUSEDX' }],
  ['default', { code: '080006', message: 'x' }],
  ['default', { code: 'x08006', message: 'x' }],
  ['default', { code: '08a06', message: 'x' }],
  ['default', { code: '57P0', message: 'x' }],
  ['default', { message: 'timeout expired soon' }],
  ['default', { message: 'the timeout expired' }],
  ['default', { code: '4200', message: 'x' }],
  ['default', { code: '230000', message: 'x' }],
  ['default', { code: 'x22P02', message: 'x' }],
  ['default', { message: 'XECONNREFUSED' }],
  ['default', { message: 'ECONNRESETS' }],
  ['default', { message: 'unsocket hang up' }],
  ['default', { code: 'XUND_ERR_CLOSED', message: 'x' }],
  ['default', { name: 'Error', message: 'fetch failed' }],
  ['default', { name: 'Error', message: 'aborted due to timeout' }],
  ['default', { name: 'Error', message: 'This operation was aborted' }],
  ['js.type-error', { name: 'TypeError', message: 'fetch failed twice' }],
  ['undici.error', { code: 'UND_ERR_CONNECT_TIMEOUTS', message: 'x' }],
  ['undici.error', { code: 'UND_ERR_X_TIMEOUT', message: 'x' }],
  ['selenium.wait-timeout', { name: 'TimeoutError', message: 'aborted due to timeouts' }],
  ['default', { name: 'AbortError', message: 'This operation was abortedly' }],
  ['default', { message: 'syntax error at or nearby' }],
  ['default', { message: 'relations "users" does not exist' }],
  ['default', { message: 'xinvalid input syntax for type int' }],
  ['default', { code: 'x42P01', message: 'x' }],
  ['default', { code: '42P01x', message: 'x' }],
  ['default', { code: 'x23505', message: 'x' }],
  ['default', { code: '22P02x', message: 'x' }],
  ['default', { code: 'XUND_ERR_CONNECT_TIMEOUT', message: 'x' }],
  ['js.type-error', { name: 'TypeError', message: 'oh, fetch failed' }],
]

describe('near misses stay off the rule', () => {
  test.each(NEAR_MISSES)('%s ← %j', (id, error) => {
    expect(classify({ errors: [error] }).rule).toBe(id)
  })
})

describe('the client a rule names', () => {
  // An HTTP client's error that names no address blames the one http service.
  const services = [
    { name: 'db', kind: 'postgres', url: 'postgres://127.0.0.1:5432/x' },
    { name: 'app', kind: 'http', url: 'http://127.0.0.1:3000' },
  ]
  test.each([
    ['undici.timeout', { code: 'UND_ERR_HEADERS_TIMEOUT', message: 'Headers Timeout Error' }],
    ['undici.error', { code: 'UND_ERR_CLOSED', message: 'The client is destroyed' }],
    ['fetch.failed', { name: 'TypeError', message: 'fetch failed' }],
    ['net.socket-hang-up', { message: 'socket hang up' }],
  ])('%s blames the http service', (rule, error) => {
    expect(classify({ errors: [error] }, { services })).toMatchObject({ rule, service: 'app' })
  })
})
