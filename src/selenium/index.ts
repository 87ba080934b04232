/**
 * `vitest-heal/selenium`: selenium-webdriver tests under Vitest that heal. The only entry point that
 * loads selenium-webdriver (an optional peer dependency).
 */
export { healDriver, DEFAULT_TIMEOUTS } from './heal-driver.js'
export type { HealDriverOptions, HealedDriver, HealingLog } from './heal-driver.js'
export { DEFAULT_STRATEGIES } from './strategies.js'
export type {
  HealAttempt,
  HealCategory,
  HealContext,
  HealingStrategy,
  HealTimeouts,
  InfraRequest,
  Operation,
  OperationKind,
  StrategyId,
} from './strategies.js'
export { categoryOf } from './categories.js'
export { SeleniumHealError, WebDriverSessionLostError } from './errors.js'
export { HealedElement } from './healed-element.js'
export { test, FAILURE_ARTIFACT_TYPE } from './fixture.js'
export type { SeleniumFixtures, SeleniumFailureArtifact } from './fixture.js'
export { BrowserPool, WEBDRIVER_URL_ENV } from './browser-pool.js'
export type { BrowserPoolOptions } from './browser-pool.js'
export {
  startChromedriver,
  createSession,
  killBrowsers,
  CHROMIUM_FLAGS,
  DEFAULT_CHROMEDRIVER_PATH,
  DEFAULT_CHROMIUM_PATH,
} from './chromedriver.js'
export type { Chromedriver, ChromedriverOptions, BrowserSession, SessionOptions } from './chromedriver.js'
export { ATTACHMENTS_DIR_ENV } from './failure-evidence.js'
export { killProcessesWithArgument, pidsWithArgument } from './processes.js'
export { PageUnreachableError } from './net-error-page.js'
