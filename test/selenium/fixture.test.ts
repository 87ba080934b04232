import { readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { By } from 'selenium-webdriver'
import { afterAll, beforeAll, describe, expect, type RunnerTestCase } from 'vitest'
import { test } from '../../src/selenium/fixture.js'
import { pidsWithArgument } from '../../src/selenium/processes.js'
import { startPages, type PageServer } from './pages.js'

let pages: PageServer
const sessionIds: string[] = []
const userDataDirs: string[] = []
let failedTask: RunnerTestCase | undefined

beforeAll(async () => {
  pages = await startPages()
})

afterAll(async () => {
  await pages.close()
  // Vitest copied them into its attachmentsDir: test output, not something to keep.
  for (const artifact of failedTask?.artifacts ?? []) {
    for (const { path } of artifact.attachments ?? []) if (path) await rm(path, { force: true })
  }
})

describe('the driver fixture', () => {
  test('gives a healed driver on a real Chromium session', async ({ driver, seleniumPool }) => {
    await driver.get(`${pages.url}/late`)
    await driver.findElement(By.id('late')).click()

    expect(await driver.executeScript('return window.clicks')).toEqual({ late: 1 })
    expect(driver.healing.attempts().map((a) => a.strategy)).toEqual(['wait-for-element'])
    sessionIds.push((await driver.getSession()).getId())
    userDataDirs.push((await seleniumPool.shared()).userDataDir)
  })

  test('keeps one session for the whole file', async ({ driver }) => {
    expect((await driver.getSession()).getId()).toBe(sessionIds[0])
  })

  test('replaces the session once its browser died (this test kills it)', async ({ seleniumPool }) => {
    const session = await seleniumPool.shared()
    expect(await session.killBrowsers()).toBeGreaterThan(0)
  })

  test('…so the next test gets a new, working session', async ({ driver }) => {
    const id = (await driver.getSession()).getId()
    expect(id).not.toBe(sessionIds[0])
    await driver.get(`${pages.url}/missing`)
    expect(await driver.findElement(By.id('present')).getText()).toBe('present')
    expect(await pidsWithArgument(`--user-data-dir=${userDataDirs[0]}`)).toEqual([])
  })

  test.fails('records a screenshot and the page source when a test fails', async ({ driver, task }) => {
    failedTask = task
    await driver.get(`${pages.url}/missing`)
    expect(await driver.findElement(By.id('present')).getText()).toBe('absent')
  })

  test('…as a vitest-heal:selenium-failure artifact with both files', () => {
    const artifact = failedTask?.artifacts.find((a) => a.type === 'vitest-heal:selenium-failure')
    expect(artifact?.attachments?.map((a) => a.contentType)).toEqual(['image/png', 'text/html'])
    const [png, html] = artifact?.attachments ?? []
    expect(png?.path).not.toContain('vitest-heal-evidence-')
    expect(readFileSync(String(png?.path)).subarray(1, 4).toString()).toBe('PNG')
    expect(readFileSync(String(html?.path), 'utf8')).toContain('<p id="present">present</p>')
  })
})

describe('seleniumSession: test', () => {
  const perTest = test.override({ seleniumSession: 'test' })
  const ids: string[] = []

  perTest('opens a session for this test alone', async ({ driver }) => {
    ids.push((await driver.getSession()).getId())
  })

  perTest('and another for the next, none of them the shared one', async ({ driver, seleniumPool }) => {
    ids.push((await driver.getSession()).getId())
    expect(new Set(ids).size).toBe(2)
    expect(ids).not.toContain((await (await seleniumPool.shared()).driver.getSession()).getId())
  })
})
