/**
 * The healing loop shared by the driver and its elements: run the operation; on failure try each
 * applicable strategy once, in order, against the latest error; record every attempt; when none
 * heals, throw an error that names the locator and what was tried.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { WebDriver } from 'selenium-webdriver'
import { categoryOf } from './categories.js'
import { describeError, SeleniumHealError, WebDriverSessionLostError } from './errors.js'
import type {
  HealAttempt,
  HealContext,
  HealingStrategy,
  HealTimeouts,
  InfraRequest,
  Operation,
} from './strategies.js'
import { netErrorOnPage } from './net-error-page.js'
import { withTimeout } from './time-limit.js'

export interface HealerSettings {
  strategies: readonly HealingStrategy[]
  timeouts: HealTimeouts
  onInfra?: (request: InfraRequest) => Promise<void> | void
  /** Service name → its base URL; a failed page is blamed on the service with the same origin. */
  services: Readonly<Record<string, string>>
  screenshotDir?: string
  onAttempt?: (attempt: HealAttempt) => void
}

const SCREENSHOT_TIMEOUT_MS = 3_000

export class Healer {
  readonly #driver: WebDriver
  readonly #settings: HealerSettings
  readonly #attempts: HealAttempt[] = []

  constructor(driver: WebDriver, settings: HealerSettings) {
    this.#driver = driver
    this.#settings = settings
  }

  attempts(): HealAttempt[] {
    return [...this.#attempts]
  }

  async run<T>(operation: Operation<T>): Promise<T> {
    try {
      return await operation.attempt()
    } catch (error) {
      return await this.#heal(operation, error)
    }
  }

  async #heal<T>(operation: Operation<T>, firstError: unknown): Promise<T> {
    // Waiting for an element on Chromium's error page would only delay the real failure: the app is down.
    if (categoryOf(firstError) === 'element_not_found') {
      const unreachable = await netErrorOnPage(this.#driver)
      if (unreachable) throw Object.assign(unreachable, { cause: firstError })
    }
    const tried: HealAttempt[] = []
    let error = firstError
    for (;;) {
      const strategy = this.#settings.strategies.find(
        (s) =>
          !tried.some((a) => a.strategy === s.id) && s.appliesTo.includes(operation.kind) && s.matches(error),
      )
      if (!strategy) break
      const started = performance.now()
      try {
        const result = (await strategy.heal(this.#context(operation, error))) as T
        this.#record(tried, strategy, operation, started)
        return result
      } catch (next) {
        this.#record(tried, strategy, operation, started, next)
        if (next instanceof WebDriverSessionLostError) throw next
        error = next
      }
    }
    if (categoryOf(error) === 'session_lost') throw new WebDriverSessionLostError(operation.name, error)
    // An error no strategy knows (an invalid selector, a script error) is the test's own: leave it as is.
    if (tried.length === 0) throw error
    const failure = new SeleniumHealError({
      operation: operation.name,
      locator: operation.locator,
      category: categoryOf(error) ?? categoryOf(firstError) ?? 'unknown',
      attempts: tried,
      firstError,
      cause: error,
    })
    await this.#screenshot(failure, operation.name)
    throw failure
  }

  #context<T>(operation: Operation<T>, error: unknown): HealContext<T> {
    return {
      driver: this.#driver,
      operation,
      error,
      timeouts: this.#settings.timeouts,
      ...(this.#settings.onInfra ? { onInfra: this.#settings.onInfra } : {}),
      serviceFor: (url) => serviceWithOrigin(this.#settings.services, url),
      retry: () => operation.attempt(),
    }
  }

  #record(
    tried: HealAttempt[],
    strategy: HealingStrategy,
    operation: Operation,
    started: number,
    error?: unknown,
  ): void {
    const attempt: HealAttempt = {
      strategy: strategy.id,
      category: strategy.category,
      locator: operation.locator,
      operation: operation.name,
      ok: error === undefined,
      durationMs: performance.now() - started,
      ...(error === undefined ? {} : { error: describeError(error) }),
    }
    tried.push(attempt)
    this.#attempts.push(attempt)
    this.#settings.onAttempt?.(attempt)
  }

  async #screenshot(failure: SeleniumHealError, operationName: string): Promise<void> {
    const dir = this.#settings.screenshotDir
    if (!dir) return
    const path = join(
      dir,
      `${new Date().toISOString().replace(/[:.]/g, '-')}-${operationName}-${failure.category}.png`,
    )
    try {
      const png = await withTimeout(this.#driver.takeScreenshot(), SCREENSHOT_TIMEOUT_MS, 'takeScreenshot')
      await mkdir(dir, { recursive: true })
      await writeFile(path, png, 'base64')
      failure.screenshot = path
      failure.message += ` Screenshot: ${path}`
    } catch {
      // Evidence is best effort: the failure itself is what the test must see.
    }
  }
}

function serviceWithOrigin(services: Readonly<Record<string, string>>, url: string): string | undefined {
  const origin = originOf(url)
  if (!origin) return undefined
  return Object.keys(services).find((name) => originOf(services[name] ?? '') === origin)
}

function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url)
    // localhost and 127.0.0.1 are the same app on a CI runner.
    return `${parsed.protocol}//${parsed.hostname === 'localhost' ? '127.0.0.1' : parsed.hostname}:${parsed.port}`
  } catch {
    return undefined
  }
}
