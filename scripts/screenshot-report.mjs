/**
 * Regenerates docs/img/report.png: the HTML report of a run, rendered by headless Chromium.
 *
 *   npm run build && node scripts/screenshot-report.mjs [reportDir] [out.png]
 *
 * reportDir holds a report.json (and the screenshots it refers to); default: the example run in
 * test/reporters/fixtures/example. HEAL_DIST=<dir> points at another build of src/.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const dist = resolve(process.env.HEAL_DIST ?? join(root, 'dist'))
const { writeReports } = await import(pathToFileURL(join(dist, 'reporters/index.js')).href)
const { startChromedriver, createSession } = await import(
  pathToFileURL(join(dist, 'selenium/chromedriver.js')).href
)

const source = resolve(process.argv[2] ?? join(root, 'test/reporters/fixtures/example'))
const out = resolve(process.argv[3] ?? join(root, 'docs/img/report.png'))
const WIDTH = 1280
const MAX_HEIGHT = 2400

const work = mkdtempSync(join(tmpdir(), 'heal-screenshot-'))
process.env.SE_OFFLINE ??= 'true'
const chromedriver = await startChromedriver()
try {
  // Attachments are relative to the report directory: bring them along.
  for (const entry of ['screenshots']) {
    if (existsSync(join(source, entry))) cpSync(join(source, entry), join(work, entry), { recursive: true })
  }
  const report = JSON.parse(readFileSync(join(source, 'report.json'), 'utf8'))
  const result = writeReports(report, {
    reportDir: work,
    reporters: ['html'],
    stdout: process.stderr,
    env: {},
  })
  if (result.failed.length > 0) throw new Error(`the HTML report failed: ${result.failed[0].error}`)

  const session = await createSession({
    serverUrl: chromedriver.url,
    windowSize: `${WIDTH},900`,
    onUserDataDir: (dir) => chromedriver.adopt(dir),
  })
  try {
    const { driver } = session
    await driver.get(pathToFileURL(join(work, 'index.html')).href)
    const height = await driver.executeScript('return document.documentElement.scrollHeight')
    await driver
      .manage()
      .window()
      .setRect({ width: WIDTH, height: Math.min(MAX_HEIGHT, Number(height) + 140) })
    const png = await driver.takeScreenshot()
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, Buffer.from(png, 'base64'))
    console.log(`wrote ${out}`)
  } finally {
    await session.close()
  }
} finally {
  await chromedriver.stop()
  rmSync(work, { recursive: true, force: true })
}
