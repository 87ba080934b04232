/**
 * `healDriver(driver, options)`: the same WebDriver, except that `findElement`, `findElements`, `get`
 * and the actions and reads of the elements they return heal with the strategy catalogue. Everything
 * else passes straight through to the driver it wraps, except that a lost session is reported as
 * WebDriverSessionLostError by every command.
 */
import type { Locator, WebDriver, WebElement, WebElementPromise } from 'selenium-webdriver'
import { HealConfigError } from '../errors.js'
import { categoryOf } from './categories.js'
import { WebDriverSessionLostError } from './errors.js'
import { findAllHealed, findHealed, type SearchScope } from './healed-element.js'
import { Healer } from './healer.js'
import {
  DEFAULT_STRATEGIES,
  type HealAttempt,
  type HealingStrategy,
  type HealTimeouts,
  type InfraRequest,
  type StrategyId,
} from './strategies.js'

export interface HealDriverOptions {
  /** Bounds on each wait a strategy makes. Defaults: element 5 000, interactable 5 000, infra 60 000, poll 100 (ms). */
  timeouts?: Partial<HealTimeouts>
  /**
   * Called when a page cannot load because the app behind it is down (`net::ERR_CONNECTION_REFUSED`, …).
   * Resolve once the app is healthy again (the integration asks the coordinator); the page is then
   * opened again. Without it, page-load failures are not healed.
   */
  onInfra?: (request: InfraRequest) => Promise<void> | void
  /** Service name → base URL, so `onInfra` is told which service a failed page belongs to. Default `{}`. */
  services?: Record<string, string>
  /** Strategies in the order to try them: ids from the catalogue and/or your own. Default: the catalogue. */
  strategies?: readonly (StrategyId | HealingStrategy)[]
  /** Where to save a screenshot when healing gives up. Default: none. */
  screenshotDir?: string
  /** Sees every attempt as it is recorded (to forward it to a history). */
  onAttempt?: (attempt: HealAttempt) => void
}

export interface HealingLog {
  /** Every strategy run so far on this driver and its elements, oldest first. */
  attempts(): HealAttempt[]
}

export type HealedDriver = WebDriver & { readonly healing: HealingLog }

export const DEFAULT_TIMEOUTS: Readonly<HealTimeouts> = {
  element: 5_000,
  interactable: 5_000,
  infra: 60_000,
  poll: 100,
}

export function healDriver(driver: WebDriver, options: HealDriverOptions = {}): HealedDriver {
  const healer = new Healer(driver, {
    strategies: resolveStrategies(options.strategies),
    timeouts: resolveTimeouts(options.timeouts),
    services: resolveServices(options.services),
    ...(options.onInfra ? { onInfra: requireFunction('onInfra', options.onInfra) } : {}),
    ...(options.screenshotDir !== undefined
      ? { screenshotDir: requireString('screenshotDir', options.screenshotDir) }
      : {}),
    ...(options.onAttempt ? { onAttempt: requireFunction('onAttempt', options.onAttempt) } : {}),
  })
  const page: SearchScope = { healer, driver, current: () => driver }
  const healing: HealingLog = { attempts: () => healer.attempts() }
  const overrides: Record<PropertyKey, unknown> = {
    healing,
    findElement: (locator: Locator): WebElementPromise => findHealed(page, locator),
    findElements: (locator: Locator): Promise<WebElement[]> => findAllHealed(page, locator),
    get: (url: string): Promise<void> =>
      healer.run({ kind: 'navigate', name: 'get', locator: url, url, attempt: () => driver.get(url) }),
  }
  const bound = new Map<PropertyKey, unknown>()
  return new Proxy(driver, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property]
      const value: unknown = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      // Methods run on the real driver, so selenium's internals never see the proxy.
      let method = bound.get(property)
      if (!method) bound.set(property, (method = sessionLostAware(String(property), value.bind(target))))
      return method
    },
  }) as HealedDriver
}

/**
 * A method passed through unhealed still reports a lost session as one: `executeScript` against a
 * dead chromedriver throws WebDriverSessionLostError, as `findElement` does, not a bare ECONNREFUSED.
 * Only plain promises are wrapped: a WebElementPromise (and any other promise type selenium
 * returns) keeps its own methods.
 */
function sessionLostAware(
  name: string,
  method: (...args: unknown[]) => unknown,
): (...args: unknown[]) => unknown {
  return (...args) => {
    const result = method(...args)
    if (!(result instanceof Promise)) return result
    return result.catch((error: unknown) => {
      if (error instanceof WebDriverSessionLostError || categoryOf(error) !== 'session_lost') throw error
      throw new WebDriverSessionLostError(name, error)
    })
  }
}

function resolveStrategies(order: HealDriverOptions['strategies']): readonly HealingStrategy[] {
  if (order === undefined) return DEFAULT_STRATEGIES
  if (!Array.isArray(order))
    throw new HealConfigError('strategies', 'an array of strategy ids or objects', order)
  return order.map((entry: StrategyId | HealingStrategy, index) => {
    if (typeof entry === 'string') {
      const known = DEFAULT_STRATEGIES.find((s) => s.id === entry)
      if (!known) {
        throw new HealConfigError(
          `strategies[${index}]`,
          `one of ${DEFAULT_STRATEGIES.map((s) => s.id).join(', ')}`,
          entry,
        )
      }
      return known
    }
    const valid =
      typeof entry === 'object' &&
      entry !== null &&
      typeof entry.id === 'string' &&
      Array.isArray(entry.appliesTo) &&
      typeof entry.matches === 'function' &&
      typeof entry.heal === 'function'
    if (!valid)
      throw new HealConfigError(
        `strategies[${index}]`,
        'a strategy { id, category, appliesTo, matches, heal }',
        entry,
      )
    return entry
  })
}

function resolveTimeouts(timeouts: Partial<HealTimeouts> = {}): HealTimeouts {
  const resolved = { ...DEFAULT_TIMEOUTS }
  for (const key of Object.keys(timeouts) as (keyof HealTimeouts)[]) {
    if (!(key in DEFAULT_TIMEOUTS)) {
      throw new HealConfigError(`timeouts.${key}`, `one of ${Object.keys(DEFAULT_TIMEOUTS).join(', ')}`, key)
    }
    const value = timeouts[key]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new HealConfigError(`timeouts.${key}`, 'a number of milliseconds ≥ 0', value)
    }
    resolved[key] = value
  }
  return resolved
}

function resolveServices(services: Record<string, string> = {}): Record<string, string> {
  for (const [name, url] of Object.entries(services)) requireString(`services.${name}`, url)
  return services
}

function requireFunction<F>(key: string, value: F): F {
  if (typeof value !== 'function') throw new HealConfigError(key, 'a function', value)
  return value
}

function requireString(key: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new HealConfigError(key, 'a non-empty string', value)
  return value
}
