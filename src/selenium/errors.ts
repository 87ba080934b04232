/**
 * What healing throws when it cannot heal. Both carry a stable `name` and `code`, because the
 * classifier matches serialised errors by those (never by `instanceof`):
 * - `WebDriverSessionLostError` (`E_WEBDRIVER_SESSION_LOST`): the browser or the driver is gone; infra,
 *   blamed on the `webdriver` service; the fixture replaces the session.
 * - `SeleniumHealError` (`E_SELENIUM_NOT_HEALED`): every applicable strategy was tried and the action
 *   still fails; the message names the locator and the strategies, and the original error is the `cause`.
 */
import { redactSecrets } from '../core/redact.js'
import type { HealAttempt, HealCategory } from './strategies.js'

export class WebDriverSessionLostError extends Error {
  readonly code = 'E_WEBDRIVER_SESSION_LOST' as const
  readonly category = 'session_lost' as const
  constructor(operation: string, cause: unknown) {
    super(redactSecrets(`WebDriver session lost during ${operation}: ${describeError(cause)}`), { cause })
    this.name = 'WebDriverSessionLostError'
  }
}

export class SeleniumHealError extends Error {
  readonly code = 'E_SELENIUM_NOT_HEALED' as const
  readonly category: HealCategory | 'unknown'
  readonly locator: string
  readonly strategies: readonly string[]
  /** Where the screenshot taken at the failure was saved, when `screenshotDir` is set. */
  screenshot?: string
  constructor(options: {
    operation: string
    locator: string
    category: HealCategory | 'unknown'
    attempts: readonly HealAttempt[]
    /** What the browser said first: kept in the message, since the last error may be a strategy's own. */
    firstError: unknown
    cause: unknown
  }) {
    const first = describeError(options.firstError)
    const last = describeError(options.cause)
    const tried = options.attempts.map((a) => `${a.strategy} (${Math.round(a.durationMs)} ms)`).join(', ')
    super(
      redactSecrets(
        `${options.operation} ${options.locator} failed (${options.category}); healing tried ${tried || 'nothing'}. ` +
          (first === last ? `Error: ${first}` : `First error: ${first}. Last error: ${last}`),
      ),
      { cause: options.cause },
    )
    this.name = 'SeleniumHealError'
    this.category = options.category
    this.locator = options.locator
    this.strategies = options.attempts.map((a) => a.strategy)
  }
}

/** `Name: first line of the message`, without Chromium's `(Session info: …)` trailer. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return redactSecrets(String(error))
  const { name, message } = errorParts(error)
  return `${name}: ${message}`
}

/** The error's name and its message, redacted and without Chromium's `(Session info: …)` trailer. */
export function errorParts(error: unknown): { name: string; message: string } {
  if (!(error instanceof Error)) return { name: 'Error', message: redactSecrets(String(error)) }
  const message = error.message.replace(/\s*\(Session info:[^)]*\)\s*$/s, '').trim()
  return { name: error.name, message: redactSecrets(message) }
}
