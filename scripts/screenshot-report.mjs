/**
 * Regenerates the screenshots of the HTML report in docs/img, rendered by headless Chromium:
 *   report-1400.png, report-800.png   the example run at 1400 and 800 px wide
 *   report-2000-tests.png             a generated run of 2,000 tests at 1400 px (the timeline at scale)
 *
 *   npm run build && node scripts/screenshot-report.mjs [reportDir] [outDir]
 *
 * reportDir holds a report.json (and the screenshots it refers to); default: the example run in
 * test/reporters/fixtures/example (examples/basic/.vitest-heal after `npm run example` works too).
 * HEAL_DIST=<dir> points at another build of src/.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { largeReport } from '../test/reporters/fixtures/example/large-report.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const dist = resolve(process.env.HEAL_DIST ?? join(root, 'dist'))
const { writeReports } = await import(pathToFileURL(join(dist, 'reporters/index.js')).href)
const { startChromedriver, createSession } = await import(
  pathToFileURL(join(dist, 'selenium/chromedriver.js')).href
)

const source = resolve(process.argv[2] ?? join(root, 'test/reporters/fixtures/example'))
const outDir = resolve(process.argv[3] ?? join(root, 'docs/img'))
/** A full page, but not a poster: the tests table of a large run goes on for metres. */
const MAX_HEIGHT = 3200

/** Writes the HTML report of `report` into a fresh directory (with its attachments) and returns the page. */
function renderPage(report, attachmentsFrom) {
  const work = mkdtempSync(join(tmpdir(), 'heal-screenshot-'))
  // Attachments are relative to the report directory: bring them along.
  if (attachmentsFrom && existsSync(join(attachmentsFrom, 'screenshots')))
    cpSync(join(attachmentsFrom, 'screenshots'), join(work, 'screenshots'), { recursive: true })
  const result = writeReports(report, {
    reportDir: work,
    reporters: ['html'],
    stdout: process.stderr,
    env: {},
  })
  if (result.failed.length > 0) throw new Error(`the HTML report failed: ${result.failed[0].error}`)
  return work
}

async function shoot(driver, page, width, out) {
  await driver.manage().window().setRect({ width, height: 900 })
  await driver.get(pathToFileURL(join(page, 'index.html')).href)
  const height = await driver.executeScript('return document.documentElement.scrollHeight')
  await driver
    .manage()
    .window()
    .setRect({ width, height: Math.min(MAX_HEIGHT, Number(height) + 140) })
  const png = await driver.takeScreenshot()
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, Buffer.from(png, 'base64'))
  console.log(`wrote ${out}`)
}

process.env.SE_OFFLINE ??= 'true'
const pages = [
  renderPage(JSON.parse(readFileSync(join(source, 'report.json'), 'utf8')), source),
  renderPage(largeReport(2000)),
]
const chromedriver = await startChromedriver()
try {
  const session = await createSession({
    serverUrl: chromedriver.url,
    windowSize: '1400,900',
    onUserDataDir: (dir) => chromedriver.adopt(dir),
  })
  try {
    await shoot(session.driver, pages[0], 1400, join(outDir, 'report-1400.png'))
    await shoot(session.driver, pages[0], 800, join(outDir, 'report-800.png'))
    await shoot(session.driver, pages[1], 1400, join(outDir, 'report-2000-tests.png'))
  } finally {
    await session.close()
  }
} finally {
  await chromedriver.stop()
  for (const page of pages) rmSync(page, { recursive: true, force: true })
}
