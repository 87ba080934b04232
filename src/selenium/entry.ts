/**
 * The runtime entry of `vitest-heal/selenium` (its types are index.ts's, see package.json).
 * selenium-webdriver is an optional peer, and a static import of a missing package fails while Node
 * links the module graph, before any code of ours runs, with a bare ERR_MODULE_NOT_FOUND. So the API
 * is loaded dynamically, and a missing peer is named with the command that installs it. A unit test
 * keeps the names below equal to index.ts's.
 */
import { HealError } from '../errors.js'

const PEER = 'selenium-webdriver'

const api = await import('./index.js').catch((error: unknown) => {
  throw missingPeer(error) ?? error
})

/** Our error for Node's "Cannot find package 'selenium-webdriver'", else undefined. */
function missingPeer(error: unknown): HealError | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  if (code !== 'ERR_MODULE_NOT_FOUND' || typeof message !== 'string') return undefined
  if (!message.includes(`'${PEER}'`) && !message.includes(`'${PEER}/`)) return undefined
  return new HealError(
    'E_MISSING_DEPENDENCY',
    `vitest-heal/selenium needs the package ${PEER} (an optional peer dependency), which is not installed: ` +
      `npm install -D ${PEER}@4`,
    { cause: error },
  )
}

export const {
  healDriver,
  DEFAULT_TIMEOUTS,
  DEFAULT_STRATEGIES,
  categoryOf,
  SeleniumHealError,
  WebDriverSessionLostError,
  HealedElement,
  test,
  FAILURE_ARTIFACT_TYPE,
  BrowserPool,
  WEBDRIVER_URL_ENV,
  startChromedriver,
  createSession,
  killBrowsers,
  CHROMIUM_FLAGS,
  DEFAULT_CHROMEDRIVER_PATH,
  DEFAULT_CHROMIUM_PATH,
  ATTACHMENTS_DIR_ENV,
  killProcessesWithArgument,
  pidsWithArgument,
  PageUnreachableError,
} = api
