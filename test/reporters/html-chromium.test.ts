/**
 * The HTML report in a real headless Chromium: it loads from file:// with no console error (a CSP
 * violation or a script error would be one), paints the timeline (lanes measured in the page: an
 * empty or half-drawn lane fails), filters, shows the screenshot, and shows a test named like
 * markup as text.
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
import { largeReport } from './fixtures/example/large-report.mjs'
import { chaosReport } from './fixtures/chaos-report.js'
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

/**
 * What a reader sees of each service lane, measured in the page: the share of the plot's width its
 * health covers, how many outages it marks and the narrowest of them in px, and whether its labels
 * stay inside the window. An empty lane covers 0.
 */
function paintedLanes(d: WebDriver): Promise<
  {
    service: string
    covered: number
    outages: number
    narrowest: number
    labels: number
    labelsInside: boolean
  }[]
> {
  return d.executeScript(`
    return [...document.querySelectorAll('#timeline .lane')].map((lane) => {
      const plot = lane.querySelector('.tl-plot').getBoundingClientRect()
      const health = [...lane.querySelectorAll('rect.health')].map((r) => r.getBoundingClientRect())
      const covered = health.reduce((sum, r) => sum + r.width, 0) / plot.width
      const outages = [...lane.querySelectorAll('svg.outage rect')].map((r) => r.getBoundingClientRect().width)
      const labels = [...lane.querySelectorAll('text')].map((t) => t.getBoundingClientRect())
      return {
        service: lane.dataset.service,
        covered: Math.round(covered * 1000) / 1000,
        outages: outages.length,
        narrowest: outages.length ? Math.round(Math.min(...outages)) : 0,
        labels: labels.length,
        labelsInside: labels.every((r) => r.width > 0 && r.left >= 0 && r.right <= innerWidth),
      }
    })`)
}

const count = (css: string): Promise<number> => driver.findElements(By.css(css)).then((found) => found.length)

describe('index.html in Chromium', () => {
  it('loads with no console error', async () => {
    expect(await driver.getTitle()).toBe('vitest-heal report: failed')
    const entries = await driver.manage().logs().get(logging.Type.BROWSER)
    expect(entries.filter((e) => e.level.value >= logging.Level.WARNING.value).map((e) => e.message)).toEqual(
      [],
    )
  })

  it('renders the timeline: a lane per service, outages, recoveries and a row per file', async () => {
    const timeline = await driver.findElement(By.id('timeline'))
    const { width, height } = await timeline.getRect()
    expect(width).toBeGreaterThan(800)
    expect(height).toBeGreaterThan(100)
    expect(await count('#timeline .lane')).toBe(2)
    expect(await count('#timeline rect.health.st-down')).toBe(3)
    expect(await count('#timeline .outage-marker')).toBe(4)
    expect(await count('#timeline g.recovery')).toBe(3)
    expect(await count('#timeline .tl-row.file')).toBe(4)
    expect(await count('#timeline rect.try.broke')).toBe(8)
    // Painted, not merely present: an outage rect has its colour from the stylesheet the CSP allowed.
    const fill = await driver.executeScript<string>(
      "return getComputedStyle(document.querySelector('#timeline rect.st-down')).fill",
    )
    expect(fill).toBe('rgb(207, 34, 46)')
  })

  it('paints every lane: health across the whole axis, every outage at least 4 px wide, labels in view', async () => {
    for (const width of [1400, 800]) {
      await driver.manage().window().setRect({ width, height: 900 })
      expect(await paintedLanes(driver)).toEqual([
        { service: 'app', covered: 1, outages: 3, narrowest: 5, labels: 5, labelsInside: true },
        { service: 'db', covered: 1, outages: 1, narrowest: 5, labels: 2, labelsInside: true },
      ])
      // Nothing wider than the window: the tables wrap instead.
      expect(await driver.executeScript('return document.documentElement.scrollWidth <= innerWidth')).toBe(
        true,
      )
    }
  })

  it('draws the tests lane of a 2,000-test run: a row per broken file, the rest packed, every try painted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heal-html-large-'))
    try {
      const report = largeReport(2000)
      writeReports(report, { reportDir: dir, reporters: ['html'], stdout: captureStream(), env: {} })
      await driver.manage().window().setRect({ width: 1400, height: 900 })
      await driver.get(pathToFileURL(join(dir, 'index.html')).href)
      expect((await paintedLanes(driver)).map((l) => [l.service, l.covered, l.outages])).toEqual([
        // The pre-flight starts app at 0.36 s, after db: its lane begins there.
        ['app', 0.994, 1],
        ['db', 1, 1],
      ])
      const rows = await driver.executeScript<{
        own: number
        packed: number
        ticks: number
        visible: number
      }>(`
        const ticks = [...document.querySelectorAll('#timeline rect.try')]
        return {
          own: document.querySelectorAll('#timeline .tl-row.file.broken').length,
          packed: document.querySelectorAll('#timeline .tl-row.file.packed').length,
          ticks: ticks.length,
          broke: ticks.filter((t) => t.classList.contains('broke')).length,
          visible: ticks.filter((t) => t.getBoundingClientRect().width >= 1.9 && getComputedStyle(t).fill !== 'none').length,
        }`)
      const broke = report.tests.flatMap((t) => t.tries ?? []).filter((t) => t.state === 'failed').length
      expect(rows).toMatchObject({ own: 9, packed: 2, broke, visible: rows.ticks })
      expect(rows.ticks).toBeGreaterThan(1900)
    } finally {
      rmSync(dir, { recursive: true, force: true })
      await driver.get(pathToFileURL(join(reportDir, 'index.html')).href)
    }
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

  it("draws a chaos run: each injected fault and each prediction marked in its service's lane, painted, labels in view", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heal-html-chaos-'))
    try {
      writeReports(chaosReport(), { reportDir: dir, reporters: ['html'], stdout: captureStream(), env: {} })
      await driver.manage().window().setRect({ width: 800, height: 900 })
      await driver.get(pathToFileURL(join(dir, 'index.html')).href)
      const entries = await driver.manage().logs().get(logging.Type.BROWSER)
      expect(
        entries.filter((e) => e.level.value >= logging.Level.WARNING.value).map((e) => e.message),
      ).toEqual([])
      const marks = await driver.executeScript<unknown[]>(`
        return [...document.querySelectorAll('#timeline g.fault, #timeline g.prediction')].map((g) => {
          const plot = g.closest('.lane').querySelector('.tl-plot').getBoundingClientRect()
          const shape = g.querySelector('path, circle')
          const marker = shape.getBoundingClientRect()
          const label = g.querySelector('text').getBoundingClientRect()
          return [
            g.closest('.lane').dataset.service,
            g.querySelector('text').textContent,
            getComputedStyle(shape).fill,
            marker.width >= 6 && marker.top >= plot.top && marker.bottom <= plot.bottom,
            label.width > 0 && label.left >= 0 && label.right <= innerWidth && label.bottom <= plot.bottom,
          ]
        })`)
      expect(marks).toEqual([
        ['app', 'f2 latency: no-effect', 'rgb(251, 133, 0)', true, true],
        ['app', 'memory 61%', 'rgb(255, 255, 255)', true, true],
        ['app', 'f3 kill: not-healed', 'rgb(207, 34, 46)', true, true],
        ['db', 'saturation 92%', 'rgb(130, 80, 223)', true, true],
        ['db', 'f1 kill: healed', 'rgb(251, 133, 0)', true, true],
      ])
      expect(await count('#faults tbody tr')).toBe(4)
      expect(await count('#predictions tbody tr')).toBe(2)
      expect(await driver.executeScript('return document.documentElement.scrollWidth <= innerWidth')).toBe(
        true,
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
      await driver.manage().window().setRect({ width: 1280, height: 900 })
      await driver.get(pathToFileURL(join(reportDir, 'index.html')).href)
    }
  })

  it('the console check above can fail: a page that logs an error is seen', async () => {
    await driver.get('data:text/html,<script>console.error("seen by the check")</script>')
    const entries = await driver.manage().logs().get(logging.Type.BROWSER)
    expect(entries.map((e) => e.message).join('\n')).toContain('seen by the check')
  })
})
