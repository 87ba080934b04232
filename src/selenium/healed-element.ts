/**
 * Elements whose actions and reads heal. A `HealedElement` is a real `WebElement` (scripts and the
 * actions API accept it: it serialises to the id of the element it currently stands for) that
 * remembers how it was found, so a stale element can be found again by the same locator.
 */
import {
  By,
  error as seleniumErrors,
  WebElement,
  WebElementPromise,
  type Locator,
  type WebDriver,
} from 'selenium-webdriver'
import type { Healer } from './healer.js'
import type { OperationKind } from './strategies.js'

type Scope = {
  findElement(locator: Locator): Promise<WebElement>
  findElements(locator: Locator): Promise<WebElement[]>
}

/** Where a search runs: the page, or inside an element that may itself need finding again. */
export interface SearchScope {
  healer: Healer
  driver: WebDriver
  current(): Scope
  relocate?(): Promise<void>
}

export class HealedElement extends WebElement {
  readonly locator: string
  #raw: WebElement
  readonly #healer: Healer
  readonly #locate: () => Promise<WebElement>

  constructor(scope: SearchScope, raw: WebElement, locator: string, locate: () => Promise<WebElement>) {
    super(scope.driver, raw.getId())
    this.#raw = raw
    this.#healer = scope.healer
    this.locator = locator
    this.#locate = locate
  }

  override getId(): Promise<string> {
    return this.#raw.getId()
  }

  override click(): Promise<void> {
    return this.#run('action', 'click', (el) => el.click())
  }
  override sendKeys(...keys: Array<string | number | Promise<string | number>>): Promise<void> {
    return this.#run('action', 'sendKeys', (el) => el.sendKeys(...keys))
  }
  override clear(): Promise<void> {
    return this.#run('action', 'clear', (el) => el.clear())
  }
  override submit(): Promise<void> {
    return this.#run('action', 'submit', (el) => el.submit())
  }
  override getText(): Promise<string> {
    return this.#run('read', 'getText', (el) => el.getText())
  }
  override getAttribute(name: string): Promise<string | null> {
    return this.#run('read', 'getAttribute', (el) => el.getAttribute(name))
  }
  override getDomAttribute(name: string): Promise<string | null> {
    return this.#run('read', 'getDomAttribute', (el) => el.getDomAttribute(name))
  }
  override getProperty(name: string): Promise<string> {
    return this.#run('read', 'getProperty', (el) => el.getProperty(name))
  }
  override getCssValue(name: string): Promise<string> {
    return this.#run('read', 'getCssValue', (el) => el.getCssValue(name))
  }
  override getTagName(): Promise<string> {
    return this.#run('read', 'getTagName', (el) => el.getTagName())
  }
  override getRect(): ReturnType<WebElement['getRect']> {
    return this.#run('read', 'getRect', (el) => el.getRect())
  }
  override isDisplayed(): Promise<boolean> {
    return this.#run('read', 'isDisplayed', (el) => el.isDisplayed())
  }
  override isEnabled(): Promise<boolean> {
    return this.#run('read', 'isEnabled', (el) => el.isEnabled())
  }
  override isSelected(): Promise<boolean> {
    return this.#run('read', 'isSelected', (el) => el.isSelected())
  }

  override findElement(locator: Locator): WebElementPromise {
    return findHealed(this.#asScope(), locator)
  }
  override findElements(locator: Locator): Promise<WebElement[]> {
    return findAllHealed(this.#asScope(), locator)
  }

  #asScope(): SearchScope {
    return {
      healer: this.#healer,
      driver: this.getDriver(),
      current: () => this.#raw,
      relocate: () => this.#relocate(),
    }
  }

  async #relocate(): Promise<void> {
    this.#raw = await this.#locate()
  }

  #run<T>(kind: OperationKind, name: string, command: (element: WebElement) => Promise<T>): Promise<T> {
    return this.#healer.run({
      kind,
      name,
      locator: this.locator,
      attempt: () => command(this.#raw),
      element: () => this.#raw,
      relocate: () => this.#relocate(),
    })
  }
}

/** What `findElement` returns: awaitable, and chainable like selenium's own (`find(...).click()`). */
export class HealedElementPromise extends WebElementPromise {
  constructor(driver: WebDriver, element: Promise<HealedElement>) {
    super(driver, element)
    // Chained calls must go through the healed element, not straight to the wire as the base class does.
    for (const name of CHAINED_METHODS) {
      Object.defineProperty(this, name, {
        value: (...args: unknown[]) =>
          element.then((el) => (el[name] as (...a: unknown[]) => unknown).apply(el, args)),
      })
    }
    Object.defineProperty(this, 'findElement', {
      value: (locator: Locator) =>
        new HealedElementPromise(
          driver,
          element.then((el) => el.findElement(locator) as unknown as Promise<HealedElement>),
        ),
    })
  }
}

const CHAINED_METHODS = [
  'click',
  'sendKeys',
  'clear',
  'submit',
  'getText',
  'getAttribute',
  'getDomAttribute',
  'getProperty',
  'getCssValue',
  'getTagName',
  'getRect',
  'isDisplayed',
  'isEnabled',
  'isSelected',
  'findElements',
] as const satisfies readonly (keyof HealedElement)[]

export function findHealed(scope: SearchScope, locator: Locator): HealedElementPromise {
  const described = describeLocator(locator)
  const locate = (): Promise<WebElement> => scope.current().findElement(locator)
  const found = scope.healer
    .run({ kind: 'find', name: 'findElement', locator: described, attempt: locate, ...relocateOf(scope) })
    .then((raw) => new HealedElement(scope, raw, described, withScopeRelocated(scope, locate)))
  return new HealedElementPromise(scope.driver, found)
}

export async function findAllHealed(scope: SearchScope, locator: Locator): Promise<WebElement[]> {
  const described = describeLocator(locator)
  const locateAll = (): Promise<WebElement[]> => scope.current().findElements(locator)
  const found = await scope.healer.run({
    kind: 'findAll',
    name: 'findElements',
    locator: described,
    attempt: locateAll,
    ...relocateOf(scope),
  })
  return found.map((raw, index) => {
    const nth = async (): Promise<WebElement> => {
      const all = await locateAll()
      const element = all[index]
      if (!element) {
        throw new seleniumErrors.NoSuchElementError(`${described}[${index}]: only ${all.length} match now`)
      }
      return element
    }
    return new HealedElement(scope, raw, `${described}[${index}]`, withScopeRelocated(scope, nth))
  })
}

function relocateOf(scope: SearchScope): { relocate?: () => Promise<void> } {
  return scope.relocate ? { relocate: scope.relocate } : {}
}

/** A locate function that, when the element it searches in went stale, finds that one again first. */
function withScopeRelocated<T>(scope: SearchScope, locate: () => Promise<T>): () => Promise<T> {
  return async () => {
    try {
      return await locate()
    } catch (error) {
      if (!scope.relocate || !(error instanceof seleniumErrors.StaleElementReferenceError)) throw error
      await scope.relocate()
      return await locate()
    }
  }
}

export function describeLocator(locator: Locator): string {
  if (locator instanceof By) return locator.toString()
  if (typeof locator === 'function') return `a locator function${locator.name ? ` ${locator.name}` : ''}`
  const entries = Object.entries(locator as object)
  if (entries.length === 1 && entries[0]) return `By(${entries[0][0]}, ${String(entries[0][1])})`
  return 'a relative locator'
}
