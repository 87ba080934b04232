/**
 * Which seed category a WebDriver error belongs to. Rules are data, tried in order, matched on the
 * serialised shape (`name`, `message`) so they work on errors that crossed a process boundary too.
 * Shapes are the ones chromedriver 156 and selenium-webdriver 4.46 produce (see environment.md).
 */
export type HealCategory =
  | 'session_lost'
  | 'page_load_failure'
  | 'stale_element'
  | 'element_not_interactable'
  | 'element_not_found'
  | 'timeout'

interface CategoryRule {
  category: HealCategory
  name?: RegExp
  message?: RegExp
}

const CATEGORY_RULES: readonly CategoryRule[] = [
  // Ours: healDriver already said the session is lost (see errors.ts).
  { category: 'session_lost', name: /^(NoSuchSessionError|WebDriverSessionLostError)$/ },
  {
    category: 'session_lost',
    message:
      /invalid session id|chrome not reachable|disconnected: not connected to DevTools|session deleted|tab crashed|target crashed/i,
  },
  // chromedriver itself gone: a plain Error from the HTTP client, not a WebDriver error.
  {
    category: 'session_lost',
    name: /^Error$/,
    message: /\b(ECONNREFUSED|ECONNRESET|EPIPE)\b|socket hang up/,
  },
  {
    category: 'page_load_failure',
    message:
      /net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|CONNECTION_CLOSED|CONNECTION_ABORTED|CONNECTION_FAILED|EMPTY_RESPONSE|ADDRESS_UNREACHABLE|NAME_NOT_RESOLVED|SOCKET_NOT_CONNECTED)/,
  },
  { category: 'stale_element', name: /^StaleElementReferenceError$/ },
  { category: 'stale_element', message: /stale element reference/i },
  {
    category: 'element_not_interactable',
    name: /^(ElementClickInterceptedError|ElementNotInteractableError)$/,
  },
  { category: 'element_not_interactable', message: /element click intercepted|element not interactable/i },
  { category: 'element_not_found', name: /^NoSuchElementError$/ },
  { category: 'element_not_found', message: /no such element/i },
  { category: 'timeout', name: /^(TimeoutError|ScriptTimeoutError)$/ },
  { category: 'timeout', message: /timeout: Timed out receiving message from renderer/i },
]

export function categoryOf(error: unknown): HealCategory | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { name, message } = error as { name?: unknown; message?: unknown }
  const nameText = typeof name === 'string' ? name : ''
  const messageText = typeof message === 'string' ? message : ''
  const rule = CATEGORY_RULES.find(
    (r) => (!r.name || r.name.test(nameText)) && (!r.message || r.message.test(messageText)),
  )
  return rule?.category
}

/** Whether an error says what a strategy looks for: its category, and optionally its exact error name. */
export function isCategory(error: unknown, category: HealCategory, name?: string): boolean {
  if (categoryOf(error) !== category) return false
  if (name === undefined) return true
  const { name: errorName, message } = error as { name?: unknown; message?: unknown }
  return (
    errorName === name || (typeof message === 'string' && message.toLowerCase().includes(nameToPhrase(name)))
  )
}

/** `ElementClickInterceptedError` → `element click intercepted`, the phrase in the W3C error text. */
function nameToPhrase(name: string): string {
  return name
    .replace(/Error$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
}
