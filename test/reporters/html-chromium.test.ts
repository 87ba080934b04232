/**
 * The HTML report in a real headless Chromium: it loads from file:// with no console error (a CSP
 * violation or a script error would be one), draws the timeline, filters, shows the screenshot,
 * and shows a test named like markup as text.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Browser, Builder, By, logging, type WebDriver } from 'selenium-webdriver'
import chrome from 'selenium-webdriver/chrome.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CHROMIUM_FLAGS,
  DEFAULT_CHROMIUM_PATH,
  killBrowsers,
  startChromedriver,
  type Chromedriver,
} from '../../src/selenium/chromedriver.js'
import { writeReports } from '../../src/reporters/index.js'
import { captureStream, exampleReport, EXAMPLE_DIR, XSS_NAME } from './fixtures/example-report.js'

const reportDir = mkdtempSync(join(tmpdir(), 'heal-html-'))
const userDataDir = mkdtempSync(join(tmpdir(), 'heal-html-chromium-'))
let chromedriver: Chromedriver | undefined
let driver: WebDriver

beforeAll(async () => {
  cpSync(join(EXAMPLE_DIR, 'screenshots'), join(reportDir, 'screenshots'), { recursive: true })
  const result = writeReports(exampleReport(), {
    reportDir,
    reporters: ['html'],
    stdout: captureStream(),
    env: {},
  })
  expect(result.failed).toEqual([])

  process.env.SE_OFFLINE ??= 'true'
  chromedriver = await startChromedriver()
  chromedriver.adopt(userDataDir)
  const prefs = new logging.Preferences()
  prefs.setLevel(logging.Type.BROWSER, logging.Level.ALL)
  const options = new chrome.Options().setChromeBinaryPath(DEFAULT_CHROMIUM_PATH)
  options.addArguments(...CHROMIUM_FLAGS, '--window-size=1280,900', `--user-data-dir=${userDataDir}`)
  options.setLoggingPrefs(prefs)
  driver = await new Builder()
    .forBrowser(Browser.CHROME)
    .disableEnvironmentOverrides()
    .usingServer(chromedriver.url)
    .setChromeOptions(options)
    .build()
  await driver.get(pathToFileURL(join(reportDir, 'index.html')).href)
})

afterAll(async () => {
  await driver?.quit().catch(() => undefined)
  await chromedriver?.stop()
  await killBrowsers(userDataDir)
  rmSync(reportDir, { recursive: true, force: true })
})

const count = (css: string): Promise<number> => driver.findElements(By.css(css)).then((found) => found.length)

describe('index.html in Chromium', () => {
  it('loads with no console error', async () => {
    expect(await driver.getTitle()).toBe('vitest-heal report: failed')
    const entries = await driver.manage().logs().get(logging.Type.BROWSER)
    expect(entries.filter((e) => e.level.value >= logging.Level.WARNING.value).map((e) => e.message)).toEqual(
      [],
    )
  })

  it('renders the timeline: a lane per service, outages, recoveries and test marks', async () => {
    const svg = await driver.findElement(By.id('timeline'))
    const { width, height } = await svg.getRect()
    expect(width).toBeGreaterThan(800)
    expect(height).toBeGreaterThan(100)
    expect(await count('#timeline g.lane')).toBe(2)
    expect(await count('#timeline rect.st-down')).toBe(3)
    expect(await count('#timeline g.recovery')).toBe(3)
    expect(await count('#timeline circle.test-mark')).toBe(7)
    // Painted, not merely present: an outage rect has its colour from the stylesheet the CSP allowed.
    const fill = await driver.executeScript<string>(
      "return getComputedStyle(document.querySelector('#timeline rect.st-down')).fill",
    )
    expect(fill).toBe('rgb(207, 34, 46)')
  })

  it('shows a test named like markup as text, and runs none of it', async () => {
    expect(await count('img[src="x"]')).toBe(0)
    const cells = await driver.executeScript<string[]>(
      "return [...document.querySelectorAll('#tests td')].map(td => td.textContent).filter(t => t.includes('onerror'))",
    )
    expect(cells).toEqual([XSS_NAME])
    const row = await driver.findElement(By.xpath(`//tr[@class="test"]/td[2][text()="${XSS_NAME}"]`))
    expect(await row.isDisplayed()).toBe(true)
  })

  it('shows the screenshot a test attached', async () => {
    const size = await driver.executeScript<number[]>(
      "const i = document.querySelector('img.shot'); return [i.complete, i.naturalWidth, i.naturalHeight]",
    )
    expect(size).toEqual([true, 160, 90])
  })

  it('filters the table by outcome and by text', async () => {
    const shown = async (): Promise<string> => (await driver.findElement(By.id('shown'))).getText()
    expect(await shown()).toBe('8')
    await driver.findElement(By.css('input[data-outcome="passed"]')).click()
    expect(await shown()).toBe('40')
    await driver.findElement(By.id('filter-text')).sendKeys('greeting')
    expect(await shown()).toBe('1')
    expect(await count('#tests tr.test:not([hidden])')).toBe(1)
    await driver.findElement(By.css('input[data-outcome="failed"]')).click()
    expect(await shown()).toBe('0')
  })

  it('the console check above can fail: a page that logs an error is seen', async () => {
    await driver.get('data:text/html,<script>console.error("seen by the check")</script>')
    const entries = await driver.manage().logs().get(logging.Type.BROWSER)
    expect(entries.map((e) => e.message).join('\n')).toContain('seen by the check')
  })
})
