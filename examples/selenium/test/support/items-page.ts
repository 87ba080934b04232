/**
 * The items page as the tests use it. After each step that talks to the app, an error the app printed
 * (its 503 page while the database is down) is thrown with the app's own words, for example
 * `connect ECONNREFUSED 127.0.0.1:5432`, so a failure caused by an outage reads as one and
 * vitest-heal can blame the right service.
 */
import { By, type WebDriver } from 'selenium-webdriver'
import { categoryOf } from 'vitest-heal/selenium'

export class AppError extends Error {
  constructor(text: string) {
    super(`the app answered with an error: ${text}`)
    this.name = 'AppError'
  }
}

export const appUrl = (): string => process.env.APP_URL!.replace(/\/health$/, '/')

async function throwAppError(driver: WebDriver): Promise<void> {
  // findElements: an absent error is the normal case, not something to wait for.
  const [error] = await driver.findElements(By.id('app-error'))
  if (error) throw new AppError(await error.getText())
}

export async function openItems(driver: WebDriver): Promise<void> {
  await driver.get(appUrl())
  await throwAppError(driver)
}

/** The current document's identity (its time origin) once it has loaded; null while it loads. */
async function loadedDocument(driver: WebDriver): Promise<number | null> {
  try {
    return await driver.executeScript<number | null>(
      'return document.readyState === "complete" ? performance.timeOrigin : null',
    )
  } catch (error) {
    // A lost session or an unreachable app is the failure itself: swallowed here, an outage would
    // end as this wait's timeout, which reads as a flaky test instead of the crash it was.
    const category = categoryOf(error)
    if (category === 'session_lost' || category === 'page_load_failure') throw error
    return null // between two documents: no script context to run in
  }
}

export async function addItem(driver: WebDriver, name: string): Promise<void> {
  const before = await loadedDocument(driver)
  await driver.findElement(By.id('name')).sendKeys(name)
  await driver.findElement(By.id('add')).click()
  // click() returns before the form's POST and its redirect have loaded the next page: wait for that
  // page (not for the item), or the list is read from the old one and a missing item is a race, not
  // a finding. A missing item on the new page stays an assertion failure: a test bug.
  await driver.wait(async () => {
    const now = await loadedDocument(driver)
    return now !== null && now !== before
  }, 10_000)
  await throwAppError(driver)
}

export async function listedItems(driver: WebDriver): Promise<string[]> {
  const items = await driver.findElement(By.id('items')).findElements(By.css('li'))
  return Promise.all(items.map((item) => item.getText()))
}

/** A name no other test or run uses. */
export const uniqueName = (what: string): string => `${what}-${process.pid}-${Date.now()}`
