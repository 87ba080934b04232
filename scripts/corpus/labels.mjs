/**
 * Ground truth for the corpus: what each captured failure really was, decided by what the fixture
 * did (stopped the server, asserted the wrong value), never by what the classifier answers.
 * `services` restricts the configured services for that entry (default: db, app, api, browser);
 * `tags` adds tags a suite or module error cannot carry itself.
 */
const infra = (service, extra = {}) => ({ kind: 'infra', service, ...extra })
const flaky = (service, extra = {}) =>
  service ? { kind: 'flaky', service, ...extra } : { kind: 'flaky', ...extra }
const bug = (extra = {}) => ({ kind: 'test-bug', ...extra })

export const LABELS = {
  // fetch and node:http against dead, hanging and dying servers
  'http/fetch to a stopped service (localhost)': infra('api', {
    note: 'undici: fetch failed, cause AggregateError of ::1 and 127.0.0.1 refusals',
  }),
  'http/fetch to a stopped service (127.0.0.1)': infra('api'),
  'http/fetch whose connection the server drops': infra('app', {
    note: 'cause: other side closed (UND_ERR_SOCKET)',
  }),
  'http/fetch whose body is cut off': infra('app', {
    note: 'TypeError: terminated, cause other side closed',
  }),
  'http/fetch with AbortSignal.timeout to a hanging service': infra('app', {
    note: 'ambiguous: a health probe decides',
  }),
  'http/node:http to a stopped service': infra('api'),
  'http/node:http whose connection the server drops': infra('app', { note: 'socket hang up' }),
  'http/node:http with AbortSignal.timeout to a hanging service': infra('app', {
    note: 'AbortError with a TimeoutError cause',
  }),
  'http/node:http to a server killed mid-request': infra('api', {
    note: 'socket hang up from a SIGKILLed process',
  }),
  'http/the app answers 500 and the test asserts 200': bug({ note: 'an assertion is never infra' }),
  'http/a test helper wraps a refused connection': infra('api'),

  // Vitest's own failures
  'vitest/toBe mismatch': bug(),
  'vitest/toEqual diff on an object': bug(),
  'vitest/inline snapshot mismatch': bug(),
  'vitest/toThrow that saw no throw': bug({
    note: 'the expected message quotes ECONNREFUSED 127.0.0.1:5432',
  }),
  'vitest/expect.soft collects two failures': bug(),
  'vitest/node:assert strictEqual': bug(),
  'vitest/rejects toThrow with a network-looking message': bug(),
  'vitest/test times out': flaky(),
  'vitest/TypeError in test code': bug(),
  'vitest/ReferenceError in test code': bug(),
  'vitest/SyntaxError from JSON.parse': bug(),
  'vitest/a thrown string': bug(),
  'vitest/RangeError from bad input': bug(),

  // hooks and module top level
  'hooks/suite:beforeAll hook times out': flaky(),
  'hooks/suite:beforeAll cannot reach the api': infra('api', {
    note: 'followed by the afterAll TypeError real suites make',
  }),
  'hooks/suite:beforeAll has a bug': bug(),
  'toplevel-api/module': infra('api'),
  'toplevel-bug/module': bug(),
  'unhandled/unhandled/an emitter without an error listener#1': infra('api', {
    note: 'ERR_UNHANDLED_ERROR quoting the refusal',
  }),
  'unhandled/unhandled/a rejection nobody handled#1': bug(),

  // pg on a healthy server: mistakes and conflicts
  'pg/a healthy server > undefined table': bug(),
  'pg/a healthy server > syntax error': bug(),
  'pg/a healthy server > unique violation': bug(),
  'pg/a healthy server > invalid input syntax': bug(),
  'pg/a healthy server > query after the test ended its own client': bug(),
  'pg/a healthy server > deadlock between two transactions': flaky('db'),
  'pg/a healthy server > serialization failure': flaky('db', { services: ['app', 'db'] }),
  'pg/a healthy server > too many connections': infra('db'),
  // pg during outages
  'pg/an outage > query during a SIGKILL of the postmaster': infra('db'),
  'pg/an outage > idle client used after the server was killed': infra('db'),
  'pg/an outage > backend terminated by an administrator': infra('db'),
  'pg/an outage > fast shutdown during a query': infra('db'),
  'pg/an outage > connect to a stopped server': infra('db'),
  'pg/an outage > pool query on a stopped server, rethrown by an ORM': infra('db'),
  'pg/an outage > connect during crash recovery': infra('db', {
    note: '57P03 the database system is starting up',
  }),
  'pg/an outage > pool connect to a frozen server times out': infra('db', { note: 'postmaster SIGSTOPped' }),
  'pg/an outage > client connect to a frozen server times out': infra('db', {
    tags: ['needs:db'],
    note: 'pg Client: timeout expired',
  }),
  'pg/an outage > a test helper wraps the refused connection': infra('db'),
  'pg/an outage > asserting a row count while the server is down': bug({
    note: 'the test turned the outage into an assertion',
  }),
  'pg/suite:beforeAll during an outage': infra('db'),
  'unhandled/pg-unhandled/idle pool clients when the server is stopped#1': infra('db', {
    services: ['db', 'app'],
  }),

  // selenium-webdriver against real Chromium
  'selenium/timing class > stale element after a re-render': flaky(),
  'selenium/timing class > click intercepted by an overlay': flaky(),
  'selenium/timing class > element not interactable': flaky(),
  'selenium/timing class > missing element': flaky(),
  'selenium/timing class > wait for an element times out': flaky(),
  'selenium/outages > page load while the app is down': infra('app'),
  'selenium/outages > session deleted under the test': infra('browser'),
  'selenium/outages > chromium killed during the session': infra('browser'),
  'selenium/outages > chromedriver killed during the session': infra('browser'),
}
