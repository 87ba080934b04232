/**
 * The built-in catalogue: rules as data, tried after the user's rules, first match per error wins.
 * Order matters (docs/classification.md explains it): assertion failures come first so an
 * assertion is never read as infra; generic JavaScript errors come last so any infra evidence in
 * the same error outranks them. Several entries may share an id: they are alternative shapes of the
 * same signature (a code on the original error, its text inside a wrapper's message).
 * Real shapes behind every entry are in test/corpus/*.json.
 */
import type { Rule, RulePrecedence, TextMatcher, VerdictKind } from './types.js'

interface Signature {
  name?: TextMatcher
  code?: TextMatcher
  message?: TextMatcher
}

interface Entry {
  id: string
  kind: VerdictKind
  category: string
  service?: string
  precedence?: RulePrecedence
  ambiguous?: boolean
  /** The kind of service the client that raises this error talks to: blamed when it is the only one of its kind. */
  client?: string
  /** Alternatives: the rule matches when any one of them does. */
  shapes: Signature[]
}

/** Node's own network failures, as `code` or inside any message that quotes them. */
const nodeNetwork = (code: string, ambiguous = false): Entry => ({
  id: `net.${code.toLowerCase().replace(/_/g, '-')}`,
  kind: 'infra',
  category: 'network_error',
  precedence: 'escalate',
  ambiguous,
  shapes: [{ code }, { message: new RegExp(`\\b${code}\\b`) }],
})

const pgInfra = (id: string, shapes: Signature[], ambiguous = false): Entry => ({
  id: `pg.${id}`,
  kind: 'infra',
  service: 'postgres',
  category: 'database_unavailable',
  precedence: 'escalate',
  ambiguous,
  shapes,
})

const pgTestBug = (id: string, shapes: Signature[]): Entry => ({
  id: `pg.${id}`,
  kind: 'test-bug',
  category: 'database_query',
  shapes,
})

const webdriverLost = (id: string, shapes: Signature[]): Entry => ({
  id: `webdriver.${id}`,
  kind: 'infra',
  service: 'webdriver',
  category: 'session_lost',
  precedence: 'escalate',
  shapes,
})

const pageLoad = (id: string, message: RegExp, ambiguous = false): Entry => ({
  id: `webdriver.${id}`,
  kind: 'infra',
  service: 'http',
  category: 'page_load_failure',
  precedence: 'escalate',
  ambiguous,
  shapes: [{ message }],
})

const seleniumTiming = (id: string, category: string, name: string): Entry => ({
  id: `selenium.${id}`,
  kind: 'flaky',
  category,
  shapes: [{ name }],
})

const jsError = (name: string): Entry => ({
  id: `js.${name.replace(/Error$/, '').toLowerCase()}-error`,
  kind: 'test-bug',
  category: 'code_error',
  shapes: [{ name }],
})

const CATALOGUE: Entry[] = [
  // A bot-protection page (Cloudflare, a CAPTCHA) answered instead of the app: the environment
  // refused the browser, whatever the test then asserted about the page. Before the assertion rule
  // and final, so it is never a test bug; no service to heal, so only the small flaky budget is spent.
  {
    id: 'security.challenge',
    kind: 'infra',
    category: 'security_challenge',
    precedence: 'final',
    shapes: [
      {
        message:
          /\b(?:cloudflare|h?captcha|recaptcha)\b|\bsecurity check\b|\bchecking your browser\b|\battention required\b|\bverify you are (?:a )?human\b/i,
      },
    ],
  },
  // Vitest: the test said the result is wrong. Final: whatever else sits in the chain.
  {
    id: 'vitest.assertion',
    kind: 'test-bug',
    category: 'assertion',
    precedence: 'final',
    shapes: [{ name: /^(?:Jest)?AssertionError\b/ }, { code: 'ERR_ASSERTION' }],
  },
  {
    id: 'vitest.snapshot-mismatch',
    kind: 'test-bug',
    category: 'assertion',
    precedence: 'final',
    shapes: [{ message: /^Snapshot .* mismatched/ }, { message: /^Obsolete snapshot/ }],
  },
  {
    id: 'vitest.test-timeout',
    kind: 'flaky',
    category: 'timeout',
    shapes: [{ message: /^Test timed out in \d+ms/ }],
  },
  {
    id: 'vitest.hook-timeout',
    kind: 'flaky',
    category: 'timeout',
    shapes: [{ message: /^Hook timed out in \d+ms/ }],
  },
  // Our own evidence, added to a hook's errors in the worker (runner-failures.ts): the hook failed
  // while a service it may need was down. It outranks the timeout it explains; its message quotes
  // the service's address, which blames it.
  {
    id: 'vitest-heal.outage-overlap',
    kind: 'infra',
    category: 'service_unavailable',
    precedence: 'escalate',
    shapes: [{ code: 'E_OUTAGE_OVERLAP' }],
  },

  // WebDriver: the browser session or the driver is gone.
  webdriverLost('no-such-session', [{ name: 'NoSuchSessionError' }, { message: /\binvalid session id\b/i }]),
  webdriverLost('session-deleted', [{ message: /\bsession deleted\b/i }]),
  webdriverLost('chrome-not-reachable', [{ message: /\bchrome not reachable\b/i }]),
  webdriverLost('devtools-disconnected', [
    { message: /disconnected: not connected to DevTools/i },
    { message: /Unable to receive message from renderer/i },
    { message: /\btab crashed\b/i },
  ]),
  webdriverLost('session-not-created', [{ name: 'SessionNotCreatedError' }]),
  // What vitest-heal/selenium concluded when healing gave up (src/selenium/errors.ts), told by its code.
  webdriverLost('session-lost', [{ code: 'E_WEBDRIVER_SESSION_LOST' }]),
  {
    // A page that would not load even after healing: still the app behind its URL, not the test.
    id: 'selenium.not-healed-page-load',
    kind: 'infra',
    service: 'http',
    category: 'page_load_failure',
    precedence: 'escalate',
    shapes: [{ code: 'E_SELENIUM_NOT_HEALED', message: /\(page_load_failure\)/ }],
  },
  {
    // Waited, scrolled, re-found and still failing on a healthy page: the locator or the page is wrong.
    id: 'selenium.not-healed',
    kind: 'test-bug',
    category: 'action_execution_failure',
    shapes: [{ code: 'E_SELENIUM_NOT_HEALED' }],
  },
  // The page the browser was sent to did not answer: the app behind that URL is down.
  pageLoad(
    'page-unreachable',
    /net::ERR_(?:CONNECTION_REFUSED|CONNECTION_RESET|CONNECTION_CLOSED|EMPTY_RESPONSE|ADDRESS_UNREACHABLE)\b/,
  ),
  pageLoad('page-name-not-resolved', /net::ERR_NAME_NOT_RESOLVED\b/),
  pageLoad('page-load-timeout', /net::ERR_(?:CONNECTION_TIMED_OUT|TIMED_OUT)\b/, true),
  {
    // The browser's own machine lost its network: no declared service to restart, still not the test.
    id: 'net.internet-disconnected',
    kind: 'infra',
    category: 'network_error',
    precedence: 'escalate',
    shapes: [{ message: /net::ERR_INTERNET_DISCONNECTED\b/ }],
  },

  // PostgreSQL: SQLSTATE classes 08 and 57, and pg's own texts for a lost connection.
  pgInfra('connection-exception', [
    { code: /^08[0-9A-Z]{3}$/ },
    { message: /\bcould not connect to server\b/i },
  ]),
  pgInfra('admin-shutdown', [
    { code: '57P01' },
    { message: /terminating connection due to (?:administrator command|unexpected postmaster exit)/i },
  ]),
  pgInfra('crash-shutdown', [
    { code: '57P02' },
    { message: /terminating connection because of crash of another server process/i },
  ]),
  pgInfra('cannot-connect-now', [
    { code: '57P03' },
    {
      message:
        /the database system is (?:starting up|shutting down|in recovery mode|not yet accepting connections|not accepting connections)/i,
    },
  ]),
  pgInfra(
    'too-many-connections',
    [
      { code: '53300' },
      { message: /sorry, too many clients already|remaining connection slots are reserved/i },
    ],
    true,
  ),
  pgInfra('connection-terminated', [{ message: /Connection terminated unexpectedly/i }]),
  pgInfra(
    'connection-timeout',
    [
      { message: /timeout exceeded when trying to connect/i },
      { message: /Connection terminated due to connection timeout/i },
      // pg.Client's own connectionTimeoutMillis, the whole message.
      { message: /^timeout expired$/ },
    ],
    true,
  ),
  pgInfra('not-queryable', [{ message: /has encountered a connection error and is not queryable/i }]),
  // The test ended the client itself, then used it.
  pgTestBug('client-closed', [{ message: /Client was closed and is not queryable/i }]),
  {
    id: 'pg.serialization-failure',
    kind: 'flaky',
    service: 'postgres',
    category: 'database_conflict',
    precedence: 'escalate',
    shapes: [{ code: '40001' }, { message: /could not serialize access/i }],
  },
  {
    id: 'pg.deadlock',
    kind: 'flaky',
    service: 'postgres',
    category: 'database_conflict',
    precedence: 'escalate',
    shapes: [{ code: '40P01' }, { message: /\bdeadlock detected\b/i }],
  },
  pgTestBug('syntax-or-access', [
    { code: /^42[0-9A-Z]{3}$/ },
    {
      message:
        /\bsyntax error at or near\b|\brelation "[^"]*" does not exist|\bcolumn "[^"]*" (?:of relation "[^"]*" )?does not exist/i,
    },
  ]),
  pgTestBug('integrity-violation', [
    { code: /^23[0-9A-Z]{3}$/ },
    { message: /violates (?:unique|foreign key|not-null|check|exclusion) constraint/i },
  ]),
  pgTestBug('data-exception', [
    { code: /^22[0-9A-Z]{3}$/ },
    { message: /\binvalid input syntax for type\b/i },
  ]),

  // Node and undici network failures; the address in the text names the service.
  nodeNetwork('ECONNREFUSED'),
  nodeNetwork('ECONNRESET', true),
  nodeNetwork('ETIMEDOUT', true),
  nodeNetwork('EHOSTUNREACH'),
  nodeNetwork('ENETUNREACH'),
  nodeNetwork('ENOTFOUND'),
  nodeNetwork('EAI_AGAIN', true),
  nodeNetwork('EPIPE', true),
  nodeNetwork('ECONNABORTED', true),
  {
    id: 'net.socket-hang-up',
    kind: 'infra',
    category: 'network_error',
    precedence: 'escalate',
    ambiguous: true,
    client: 'http',
    shapes: [{ message: /\bsocket hang up\b/i }],
  },
  {
    id: 'undici.other-side-closed',
    kind: 'infra',
    category: 'network_error',
    precedence: 'escalate',
    ambiguous: true,
    client: 'http',
    shapes: [{ code: 'UND_ERR_SOCKET' }, { message: /\bother side closed\b/i }],
  },
  {
    id: 'undici.timeout',
    kind: 'infra',
    category: 'timeout',
    precedence: 'escalate',
    ambiguous: true,
    client: 'http',
    shapes: [{ code: /^UND_ERR_(?:CONNECT|HEADERS|BODY)_TIMEOUT$/ }],
  },
  {
    id: 'undici.error',
    kind: 'infra',
    category: 'network_error',
    precedence: 'escalate',
    client: 'http',
    shapes: [{ code: /^UND_ERR_/ }],
  },
  {
    // `first`: its `cause` (ECONNREFUSED 127.0.0.1:3000, other side closed) outranks it and is better evidence.
    id: 'fetch.failed',
    kind: 'infra',
    category: 'network_error',
    client: 'http',
    shapes: [{ name: 'TypeError', message: /^fetch failed$/ }],
  },
  {
    // AbortSignal.timeout() on a request: the service did not answer in time, or was just slow.
    id: 'abort.timeout',
    kind: 'infra',
    category: 'timeout',
    precedence: 'escalate',
    ambiguous: true,
    client: 'http',
    shapes: [{ name: 'TimeoutError', message: /\baborted due to timeout\b/i }],
  },
  {
    // fetch() cancelled through an AbortController: usually a test's own deadline on a request the
    // service did not answer in time, sometimes a slow one. A healthy probe makes it flaky.
    // `first`: a `cause` that says why (aborted due to timeout, a refused connection) outranks it.
    id: 'abort.aborted',
    kind: 'infra',
    category: 'timeout',
    ambiguous: true,
    client: 'http',
    shapes: [
      { name: 'AbortError', message: /\bThis operation was aborted\b|\bThe operation was aborted\b/i },
    ],
  },

  // Selenium timing class: the page was not ready yet; a retry decides.
  seleniumTiming('stale-element', 'element_not_found', 'StaleElementReferenceError'),
  seleniumTiming('no-such-element', 'element_not_found', 'NoSuchElementError'),
  seleniumTiming('click-intercepted', 'action_execution_failure', 'ElementClickInterceptedError'),
  seleniumTiming('not-interactable', 'action_execution_failure', 'ElementNotInteractableError'),
  seleniumTiming('wait-timeout', 'timeout', 'TimeoutError'),
  seleniumTiming('script-timeout', 'timeout', 'ScriptTimeoutError'),

  // Mistakes in test code.
  jsError('TypeError'),
  jsError('ReferenceError'),
  jsError('SyntaxError'),
  jsError('RangeError'),
]

/** Kept off the Rule objects: `client` is no user rule option, and rules are public data. */
const CLIENT_KIND = new WeakMap<Rule, string>()

function toRules(entry: Entry): Rule[] {
  return entry.shapes.map((when) => {
    const rule: Rule = { id: entry.id, kind: entry.kind, when, category: entry.category }
    if (entry.service !== undefined) rule.service = entry.service
    if (entry.precedence !== undefined) rule.precedence = entry.precedence
    if (entry.ambiguous) rule.ambiguous = true
    if (entry.client !== undefined) CLIENT_KIND.set(rule, entry.client)
    return rule
  })
}

/** The kind of service a built-in rule's error comes from the client of (`http` for fetch), if known. */
export function clientKindOf(rule: Rule): string | undefined {
  return CLIENT_KIND.get(rule)
}

/** The catalogue, flattened to one rule per shape, in matching order. */
export const BUILTIN_RULES: readonly Rule[] = Object.freeze(CATALOGUE.flatMap(toRules))

/** Id of the verdict given when no rule matches. */
export const DEFAULT_RULE_ID = 'default'
