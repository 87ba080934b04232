/**
 * The seed catalogue of healing strategies: each an object in a list, tried in list order against the
 * error at hand, each at most once per operation. A strategy only ever repeats the operation the test
 * asked for, on the element its locator finds: it never clicks anything else, never clicks by script or
 * by coordinates, and never repeats an action that may already have happened (a click that timed out).
 */
import { WebElement, type WebDriver } from 'selenium-webdriver'
import { categoryOf, isCategory, type HealCategory } from './categories.js'
import { WebDriverSessionLostError } from './errors.js'
import { withTimeout } from './time-limit.js'

export type { HealCategory } from './categories.js'

/**
 * What the test asked for. `action`s change the page (click, sendKeys, clear, submit); `read`s do not;
 * strategies that repeat the operation say which kinds they may repeat.
 */
export type OperationKind = 'find' | 'findAll' | 'action' | 'read' | 'navigate'

export interface Operation<T = unknown> {
  kind: OperationKind
  /** `click`, `findElement`, `get`, … */
  name: string
  /** How the test named its target: `By(css selector, #save)`, or the URL for `navigate`. */
  locator: string
  /** Runs the WebDriver command once against the current element. */
  attempt(): Promise<T>
  /** The element this operation acts on (for actions and reads). */
  element?(): WebElement
  /** Finds the element again by the same locator (for actions, reads and finds inside an element). */
  relocate?(): Promise<void>
  /** The URL being opened (for `navigate`). */
  url?: string
}

export interface InfraRequest {
  /** The configured service whose URL has the page's origin, when one does. */
  service?: string
  url: string
  error: unknown
}

export interface HealTimeouts {
  /** Longest wait for an element to appear or come back after it went stale. Default 5 000 ms. */
  element: number
  /** Longest wait for an overlay to go or an element to become interactable. Default 5 000 ms. */
  interactable: number
  /** Longest wait for `onInfra` to heal a service. Default 60 000 ms. */
  infra: number
  /** Pause between two looks while waiting. Default 100 ms. */
  poll: number
}

export interface HealContext<T = unknown> {
  /** The raw driver: strategies talk to the browser directly, never through healing again. */
  driver: WebDriver
  operation: Operation<T>
  error: unknown
  timeouts: HealTimeouts
  onInfra?: (request: InfraRequest) => Promise<void> | void
  serviceFor(url: string): string | undefined
  /** Runs the operation once more. */
  retry(): Promise<T>
}

export interface HealingStrategy {
  id: string
  category: HealCategory
  /** Operation kinds this strategy may repeat. */
  appliesTo: readonly OperationKind[]
  matches(error: unknown): boolean
  /** Repairs what it can, repeats the operation and resolves with its result; rejects when that failed. */
  heal(ctx: HealContext): Promise<unknown>
}

/** One run of one strategy on one operation, as kept in `healing.attempts()`. */
export interface HealAttempt {
  strategy: string
  category: HealCategory
  locator: string
  /** The operation healed: `click`, `findElement`, `get`, … */
  operation: string
  ok: boolean
  durationMs: number
  /** Why the strategy failed, redacted. */
  error?: string
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Repeats `attempt` until it succeeds, it throws an error `keepTrying` does not accept, or `timeoutMs`
 * passed; then rethrows the last error, so the failure keeps its original shape.
 */
async function retryWhile<T>(
  attempt: () => Promise<T>,
  keepTrying: (error: unknown) => boolean,
  timeouts: { limit: number; poll: number },
): Promise<T> {
  const deadline = Date.now() + timeouts.limit
  for (;;) {
    try {
      return await attempt()
    } catch (error) {
      if (!keepTrying(error) || Date.now() + timeouts.poll > deadline) throw error
      await sleep(timeouts.poll)
    }
  }
}

const SCROLL_ONE_SCREEN =
  'window.scrollBy(0, Math.max(1, window.innerHeight - 40));' +
  'return window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 1'

const SCROLL_INTO_VIEW = "arguments[0].scrollIntoView({ block: 'center', inline: 'center' })"

/** `clear` when a click at the element's centre would reach it, `covered` when something else is on top. */
const HIT_TEST = `
  const el = arguments[0]; const r = el.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (x < 0 || y < 0 || x > window.innerWidth || y > window.innerHeight) return 'offscreen';
  const hit = document.elementFromPoint(x, y);
  return hit === el || el.contains(hit) ? 'clear' : 'covered';`

const isNotFound = (error: unknown): boolean => isCategory(error, 'element_not_found')

/** element_not_found: the element may still be on its way (rendered late, fetched by script). */
const waitForElement: HealingStrategy = {
  id: 'wait-for-element',
  category: 'element_not_found',
  appliesTo: ['find'],
  matches: isNotFound,
  heal: (ctx) => retryWhile(ctx.retry, isNotFound, { limit: ctx.timeouts.element, poll: ctx.timeouts.poll }),
}

/** element_not_found: content rendered only once scrolled to (lazy lists, infinite scroll). */
const scrollToElement: HealingStrategy = {
  id: 'scroll-into-view',
  category: 'element_not_found',
  appliesTo: ['find'],
  matches: isNotFound,
  async heal(ctx) {
    const deadline = Date.now() + ctx.timeouts.element
    for (;;) {
      const atBottom = (await ctx.driver.executeScript(SCROLL_ONE_SCREEN)) === true
      try {
        // Lazy content arrives a frame or a fetch after the scroll that revealed it: once at the bottom,
        // give it a few polls; on the way down the next step looks again anyway.
        const result = atBottom
          ? await retryWhile(ctx.retry, isNotFound, { limit: ctx.timeouts.poll * 5, poll: ctx.timeouts.poll })
          : await ctx.retry()
        if (result instanceof WebElement) await ctx.driver.executeScript(SCROLL_INTO_VIEW, result)
        return result
      } catch (error) {
        if (!isNotFound(error) || atBottom || Date.now() >= deadline) throw error
      }
    }
  },
}

/** stale element: the page re-rendered it; find it again by the same locator and repeat. */
const relocateStale: HealingStrategy = {
  id: 'relocate-stale',
  category: 'stale_element',
  appliesTo: ['action', 'read', 'find', 'findAll'],
  matches: (error) => isCategory(error, 'stale_element'),
  async heal(ctx) {
    const relocate = ctx.operation.relocate
    if (!relocate) throw ctx.error
    const limits = { limit: ctx.timeouts.element, poll: ctx.timeouts.poll }
    await retryWhile(relocate, (e) => isNotFound(e) || isCategory(e, 'stale_element'), limits)
    return await ctx.retry()
  },
}

/**
 * Waits (bounded by the interactable timeout) until `ready` says the element can take the action,
 * scrolls it to the centre of the view, then repeats the action on it.
 */
async function repeatWhenReady(
  ctx: HealContext,
  ready: (element: WebElement) => Promise<boolean>,
): Promise<unknown> {
  const element = ctx.operation.element?.()
  if (!element) throw ctx.error
  const notYet = ctx.error
  await retryWhile(
    async () => {
      if (!(await ready(element))) throw notYet
    },
    (e) => e === notYet,
    { limit: ctx.timeouts.interactable, poll: ctx.timeouts.poll },
  )
  await ctx.driver.executeScript(SCROLL_INTO_VIEW, element)
  return await ctx.retry()
}

/**
 * click intercepted: something (a spinner, a modal backdrop) covers the element. Wait until a click at
 * its centre would reach it, then click it: the overlay itself is never touched.
 */
const waitForOverlay: HealingStrategy = {
  id: 'wait-for-overlay',
  category: 'element_not_interactable',
  appliesTo: ['action'],
  matches: (error) => isCategory(error, 'element_not_interactable', 'ElementClickInterceptedError'),
  heal: (ctx) =>
    repeatWhenReady(ctx, async (element) => {
      const state = await ctx.driver.executeScript(HIT_TEST, element)
      if (state === 'offscreen') await ctx.driver.executeScript(SCROLL_INTO_VIEW, element)
      return state === 'clear'
    }),
}

/** not interactable: hidden or disabled for now; wait until shown and enabled, scroll to it, repeat. */
const waitUntilInteractable: HealingStrategy = {
  id: 'wait-until-interactable',
  category: 'element_not_interactable',
  appliesTo: ['action'],
  matches: (error) => isCategory(error, 'element_not_interactable', 'ElementNotInteractableError'),
  heal: (ctx) =>
    repeatWhenReady(ctx, async (element) => (await element.isDisplayed()) && (await element.isEnabled())),
}

/** page_load_failure: the app behind the page is down; have it healed, then open the page again. */
const healAppAndReload: HealingStrategy = {
  id: 'heal-app-and-reload',
  category: 'page_load_failure',
  appliesTo: ['navigate'],
  matches: (error) => isCategory(error, 'page_load_failure'),
  async heal(ctx) {
    const url = ctx.operation.url ?? ctx.operation.locator
    if (!ctx.onInfra) throw new Error(`no onInfra hook to heal the app behind ${url}`, { cause: ctx.error })
    const service = ctx.serviceFor(url)
    const request = { ...(service ? { service } : {}), url, error: ctx.error }
    await withTimeout(Promise.resolve(ctx.onInfra(request)), ctx.timeouts.infra, 'onInfra')
    return await ctx.retry()
  },
}

/** timeout: a slow page load; open it once more with the page-load timeout doubled, then restore it. */
const doublePageLoadTimeout: HealingStrategy = {
  id: 'double-timeout',
  category: 'timeout',
  appliesTo: ['navigate'],
  matches: (error) => isCategory(error, 'timeout'),
  async heal(ctx) {
    const timeouts = await ctx.driver.manage().getTimeouts()
    const pageLoad = timeouts.pageLoad ?? 300_000
    await ctx.driver.manage().setTimeouts({ pageLoad: pageLoad * 2 })
    try {
      return await ctx.retry()
    } finally {
      await ctx.driver.manage().setTimeouts({ pageLoad })
    }
  },
}

/** dead session or driver: nothing to heal here; fail as infra so the fixture starts a new session. */
const failAsInfra: HealingStrategy = {
  id: 'fail-as-infra',
  category: 'session_lost',
  appliesTo: ['find', 'findAll', 'action', 'read', 'navigate'],
  matches: (error) => categoryOf(error) === 'session_lost',
  heal: (ctx) =>
    Promise.reject(
      new WebDriverSessionLostError(`${ctx.operation.name} ${ctx.operation.locator}`, ctx.error),
    ),
}

/** The seed catalogue, in the order strategies are tried. */
export const DEFAULT_STRATEGIES: readonly HealingStrategy[] = [
  failAsInfra,
  waitForElement,
  scrollToElement,
  relocateStale,
  waitForOverlay,
  waitUntilInteractable,
  healAppAndReload,
  doublePageLoadTimeout,
]

export type StrategyId = (typeof DEFAULT_STRATEGIES)[number]['id']
