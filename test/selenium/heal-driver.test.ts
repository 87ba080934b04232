import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { By, type WebDriver } from 'selenium-webdriver'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { HealConfigError } from '../../src/errors.js'
import { freePort } from '../../src/services/free-port.js'
import {
  createSession,
  startChromedriver,
  type BrowserSession,
  type Chromedriver,
} from '../../src/selenium/chromedriver.js'
import { healDriver, type HealDriverOptions, type HealedDriver } from '../../src/selenium/heal-driver.js'
import { categoryOf } from '../../src/selenium/categories.js'
import { pidsWithArgument } from '../../src/selenium/processes.js'
import { startPages, type PageServer } from './pages.js'

let chromedriver: Chromedriver
let session: BrowserSession
let pages: PageServer
let screenshotDir: string
const apps = new Set<ChildProcess>()

beforeAll(async () => {
  ;[chromedriver, pages, screenshotDir] = await Promise.all([
    startChromedriver(),
    startPages(),
    mkdtemp(join(tmpdir(), 'vitest-heal-shots-')),
  ])
  session = await createSession({ serverUrl: chromedriver.url, onUserDataDir: chromedriver.adopt })
})

afterAll(async () => {
  for (const app of apps) app.kill('SIGKILL')
  await session?.close()
  await chromedriver?.stop()
  await pages?.close()
  await rm(screenshotDir, { recursive: true, force: true })
})

const raw = (): WebDriver => session.driver
const healed = (options: HealDriverOptions = {}): HealedDriver =>
  healDriver(raw(), { timeouts: { element: 2_000, interactable: 3_000 }, ...options })
const clicks = (driver: WebDriver): Promise<Record<string, number>> =>
  driver.executeScript('return window.clicks')
const strategiesRun = (driver: HealedDriver): { strategy: string; ok: boolean }[] =>
  driver.healing.attempts().map(({ strategy, ok }) => ({ strategy, ok }))

describe('healDriver against pages built to need each strategy', () => {
  test('an element that appears late is waited for (wait-for-element)', async () => {
    await raw().get(`${pages.url}/late`)
    await expect(raw().findElement(By.css('#late'))).rejects.toMatchObject({ name: 'NoSuchElementError' })

    const driver = healed()
    await driver.findElement(By.css('#late')).click()

    expect(await clicks(raw())).toEqual({ late: 1 })
    expect(driver.healing.attempts()).toEqual([
      expect.objectContaining({
        strategy: 'wait-for-element',
        category: 'element_not_found',
        locator: 'By(css selector, #late)',
        operation: 'findElement',
        ok: true,
      }),
    ])
  })

  test('an element the page replaced is found again by its locator and the action repeated once (relocate-stale)', async () => {
    await raw().get(`${pages.url}/stale`)
    const rawButton = await raw().findElement(By.id('inc'))
    await rawButton.click()
    await expect(rawButton.click()).rejects.toMatchObject({ name: 'StaleElementReferenceError' })

    await raw().navigate().refresh()
    const driver = healed()
    const button = await driver.findElement(By.id('inc'))
    await button.click()
    await button.click()
    await button.click()

    expect(await driver.findElement(By.id('count')).getText()).toBe('3')
    expect(await clicks(raw())).toEqual({ inc: 3 })
    expect(strategiesRun(driver)).toEqual([
      { strategy: 'relocate-stale', ok: true },
      { strategy: 'relocate-stale', ok: true },
    ])
  })

  test('a click an overlay intercepts waits for the overlay to go and never clicks the overlay (wait-for-overlay)', async () => {
    // The page keeps its overlay 2 s: longer than chromedriver's own ~1 s retry (proven in the next test).
    await raw().get(`${pages.url}/overlay`)

    const driver = healed()
    await driver.findElement(By.id('save')).click()

    expect(await clicks(raw())).toEqual({ save: 1 })
    expect(strategiesRun(driver)).toEqual([{ strategy: 'wait-for-overlay', ok: true }])
  })

  test('an overlay that never goes fails after the bounded wait, with nothing clicked', async () => {
    await raw().get(`${pages.url}/overlay-forever`)
    await expect(raw().findElement(By.id('save')).click()).rejects.toMatchObject({
      name: 'ElementClickInterceptedError',
    })
    const driver = healed({ timeouts: { interactable: 600 } })
    const started = Date.now()

    const error = await driver
      .findElement(By.id('save'))
      .click()
      .then(
        () => undefined,
        (e: unknown) => e,
      )

    expect(Date.now() - started).toBeLessThan(3_000)
    expect(error).toMatchObject({ name: 'SeleniumHealError', code: 'E_SELENIUM_NOT_HEALED' })
    expect(String((error as Error).message)).toMatch(
      /click By\(css selector, \*\[id="save"\]\).*wait-for-overlay/,
    )
    expect(await clicks(raw())).toEqual({})
  })

  test('a hidden button is clicked once it is shown (wait-until-interactable)', async () => {
    await raw().get(`${pages.url}/hidden`)
    await expect(raw().findElement(By.id('go')).click()).rejects.toMatchObject({
      name: 'ElementNotInteractableError',
    })

    const driver = healed()
    await driver.findElement(By.id('go')).click()

    expect(await clicks(raw())).toEqual({ go: 1 })
    expect(strategiesRun(driver)).toEqual([{ strategy: 'wait-until-interactable', ok: true }])
  })

  test('an element rendered only below the fold is scrolled to (scroll-into-view alone, by the strategies option)', async () => {
    await raw().get(`${pages.url}/lazy`)
    await expect(raw().findElement(By.id('lazy-item'))).rejects.toMatchObject({ name: 'NoSuchElementError' })

    const driver = healed({ strategies: ['scroll-into-view'] })
    await driver.findElement(By.id('lazy-item')).click()

    expect(await clicks(raw())).toEqual({ lazy: 1 })
    expect(strategiesRun(driver)).toEqual([{ strategy: 'scroll-into-view', ok: true }])
  })

  test('a selector that never matches fails after the bounded wait as a test bug naming the locator and strategies', async () => {
    await raw().get(`${pages.url}/missing`)
    const driver = healed({ timeouts: { element: 500 }, screenshotDir })
    const started = Date.now()

    const error = (await driver.findElement(By.css('#does-not-exist')).then(
      () => undefined,
      (e: unknown) => e,
    )) as Record<string, unknown>

    const elapsed = Date.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(500)
    expect(elapsed).toBeLessThan(4_000)
    expect(error).toMatchObject({
      name: 'SeleniumHealError',
      code: 'E_SELENIUM_NOT_HEALED',
      category: 'element_not_found',
      locator: 'By(css selector, #does-not-exist)',
      strategies: ['wait-for-element', 'scroll-into-view'],
    })
    expect(error.message).toContain(
      'findElement By(css selector, #does-not-exist) failed (element_not_found)',
    )
    expect(error.message).toMatch(/wait-for-element \(\d+ ms\), scroll-into-view \(\d+ ms\)/)
    expect(error.message).toContain('NoSuchElementError: no such element')
    expect(existsSync(String(error.screenshot))).toBe(true)
    expect(driver.healing.attempts().every((a) => !a.ok)).toBe(true)
  })

  test('a healthy page records no attempts: typing and submitting pass straight through', async () => {
    const driver = healed()
    await driver.get(`${pages.url}/form`)
    const input = await driver.findElement(By.id('name'))
    await input.sendKeys('ada')
    await input.clear()
    await input.sendKeys('grace')
    await driver.findElement(By.id('send')).click()

    expect(await driver.findElement(By.id('out')).getText()).toBe('grace')
    expect(await driver.findElements(By.css('input'))).toHaveLength(1)
    expect(driver.healing.attempts()).toEqual([])
  })

  test('a page that loads slower than the page-load timeout is opened again with it doubled, then restored (double-timeout)', async () => {
    await raw().manage().setTimeouts({ pageLoad: 1_000 })
    try {
      await expect(raw().get(`${pages.url}/slow`)).rejects.toMatchObject({ name: 'TimeoutError' })

      const driver = healed()
      await driver.get(`${pages.url}/slow`)

      expect(await raw().findElement(By.id('slow')).getText()).toBe('slow page')
      expect(strategiesRun(driver)).toEqual([{ strategy: 'double-timeout', ok: true }])
      expect((await raw().manage().getTimeouts()).pageLoad).toBe(1_000)
    } finally {
      await raw().manage().setTimeouts({ pageLoad: 300_000 })
    }
  })
})

describe('healDriver when the app or the browser dies', () => {
  test('the app killed: onInfra is asked to heal the app service, then the page is opened again (heal-app-and-reload)', async () => {
    const port = await freePort()
    const appUrl = `http://127.0.0.1:${port}`
    let app = await startApp(port)
    const requests: { service?: string; url: string }[] = []
    const driver = healed({
      services: { app: `http://localhost:${port}/health` },
      onInfra: async ({ service, url }) => {
        requests.push({ ...(service ? { service } : {}), url })
        app = await startApp(port)
      },
    })
    await driver.get(`${appUrl}/`)
    const firstPid = app.pid

    app.kill('SIGKILL')
    await new Promise((resolve) => app.once('exit', resolve))
    await driver.get(`${appUrl}/`)

    expect(requests).toEqual([{ service: 'app', url: `${appUrl}/` }])
    expect(app.pid).not.toBe(firstPid)
    expect(await driver.findElement(By.id('app')).getText()).toBe(`app pid ${app.pid}`)
    expect(strategiesRun(driver)).toEqual([{ strategy: 'heal-app-and-reload', ok: true }])
  })

  test('the app down with no onInfra hook fails as a page-load failure that keeps the browser error text', async () => {
    const port = await freePort()
    const error = await healed()
      .get(`http://127.0.0.1:${port}/`)
      .then(
        () => undefined,
        (e: unknown) => e,
      )

    expect(error).toMatchObject({ name: 'SeleniumHealError', category: 'page_load_failure' })
    expect(String((error as Error).message)).toContain('net::ERR_CONNECTION_REFUSED')
  })

  test("a form posted to an app that died lands on Chromium's error page: the next find fails at once as the app's outage, not a missing element", async () => {
    const form = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' })
      response.end('<form method="post" action="/items"><button id="add">add</button></form>')
    })
    await new Promise<void>((resolve) => form.listen(0, '127.0.0.1', resolve))
    const { port } = form.address() as AddressInfo
    const driver = healed()
    await driver.get(`http://127.0.0.1:${port}/`)
    form.closeAllConnections()
    await new Promise((resolve) => form.close(resolve))

    await driver.findElement(By.id('add')).click()
    const started = Date.now()
    const error = await driver.findElement(By.id('added')).then(
      () => undefined,
      (e: unknown) => e,
    )

    expect(error).toMatchObject({
      name: 'PageUnreachableError',
      url: `http://127.0.0.1:${port}/items`,
      netError: 'ERR_CONNECTION_REFUSED',
      cause: expect.objectContaining({ name: 'NoSuchElementError' }),
    })
    expect(categoryOf(error)).toBe('page_load_failure')
    // No strategy waited on a page that cannot change.
    expect(Date.now() - started).toBeLessThan(1_500)
    expect(driver.healing.attempts()).toEqual([])
  })

  test('Chromium killed: the next command fails as infra (WebDriverSessionLostError)', async () => {
    await raw().get(`${pages.url}/form`)
    const driver = healed()
    // A passed-through command's own errors stay what they are while the session lives.
    await expect(driver.executeScript('throw new Error("planted")')).rejects.toMatchObject({
      name: 'JavascriptError',
    })
    expect(await session.killBrowsers()).toBeGreaterThan(0)

    const error = await driver.findElement(By.id('name')).then(
      () => undefined,
      (e: unknown) => e,
    )

    expect(error).toMatchObject({ name: 'WebDriverSessionLostError', code: 'E_WEBDRIVER_SESSION_LOST' })
    expect(String((error as Error).message)).toMatch(/invalid session id|not reachable|disconnected/)
    expect(strategiesRun(driver)).toEqual([{ strategy: 'fail-as-infra', ok: false }])
    // A command healDriver passes through unhealed says the same, not a bare WebDriver error.
    await expect(driver.executeScript('return 1')).rejects.toMatchObject({
      name: 'WebDriverSessionLostError',
      message: expect.stringMatching(/^WebDriver session lost during executeScript: /),
    })
    await session.close()
  })

  test('chromedriver killed: the next command fails as infra, and stopping it leaves no browser behind', async () => {
    const second = await createSession({ serverUrl: chromedriver.url, onUserDataDir: chromedriver.adopt })
    const driver = healDriver(second.driver)
    await driver.get(`${pages.url}/form`)
    expect(await pidsWithArgument(`--user-data-dir=${second.userDataDir}`)).not.toEqual([])

    process.kill(chromedriver.pid, 'SIGKILL')
    const error = await driver.findElement(By.id('name')).then(
      () => undefined,
      (e: unknown) => e,
    )

    expect(error).toMatchObject({ name: 'WebDriverSessionLostError', code: 'E_WEBDRIVER_SESSION_LOST' })
    expect(String((error as Error).message)).toContain('ECONNREFUSED')
    const script = await driver.executeScript('return document.title').then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(script).toMatchObject({ name: 'WebDriverSessionLostError', code: 'E_WEBDRIVER_SESSION_LOST' })
    expect(categoryOf(script)).toBe('session_lost')
    expect(String((script as Error).message)).toMatch(/during executeScript: .*ECONNREFUSED/)
    await chromedriver.stop()
    expect(await pidsWithArgument(`--user-data-dir=${second.userDataDir}`)).toEqual([])
    expect(existsSync(second.userDataDir)).toBe(false)
  })
})

describe('healDriver options', () => {
  test('a bad option throws HealConfigError naming it', () => {
    const driver = {} as WebDriver
    expect(() => healDriver(driver, { timeouts: { element: -1 } })).toThrow(HealConfigError)
    expect(() => healDriver(driver, { timeouts: { element: -1 } })).toThrow(
      /timeouts\.element: expected a number/,
    )
    expect(() => healDriver(driver, { strategies: ['wait-for-element', 'guess' as never] })).toThrow(
      /strategies\[1\]: expected one of fail-as-infra, wait-for-element, .*got "guess"/,
    )
    expect(() => healDriver(driver, { onInfra: 'restart' as never })).toThrow(/onInfra: expected a function/)
  })
})

async function startApp(port: number): Promise<ChildProcess> {
  const app = spawn(process.execPath, [join(import.meta.dirname, 'app-process.mjs'), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  apps.add(app)
  app.once('exit', () => apps.delete(app))
  await new Promise<void>((resolve, reject) => {
    app.stdout?.once('data', () => resolve())
    app.once('exit', (code) => reject(new Error(`app exited with ${code}`)))
  })
  return app
}
