/**
 * bench/selenium: 1,000 healthy actions through healDriver against 1,000 through the raw driver, on
 * the same Chromium session and page, alternating in ABBA order so drift (a warming browser, load
 * from other work) falls on both sides alike. Prints the overhead ratio healed/raw (target ≤ 1.05).
 * A figure, not a gate: the machine's load moves it.
 *
 *   npm run build && node bench/selenium.mjs
 *
 * HEAL_DIST=<dir> points at another build of src/ (default: ../dist). ACTIONS=<n> changes the count.
 */
import { createServer } from 'node:http'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { By } from 'selenium-webdriver'

const dist = resolve(process.env.HEAL_DIST ?? new URL('../dist', import.meta.url).pathname)
// Not selenium/index.js: it also defines the Vitest fixture, which only loads inside a Vitest run.
const { healDriver } = await import(pathToFileURL(join(dist, 'selenium/heal-driver.js')).href)
const { startChromedriver, createSession } = await import(
  pathToFileURL(join(dist, 'selenium/chromedriver.js')).href
)

const ACTIONS = Number(process.env.ACTIONS ?? 1_000)
const WARMUP = 50
const TARGET = 1.05

const PAGE = `<!doctype html><title>bench</title>
<button id="inc" onclick="document.getElementById('n').textContent = ++window.n">add</button>
<p id="n">0</p><input id="name"><ul>${'<li class="row">row</li>'.repeat(20)}</ul>
<script>window.n = 0</script>`

/** The four kinds of healthy action a test does most: find + click, read, type, find many. */
const ACTION_KINDS = [
  (driver) => driver.findElement(By.id('inc')).click(),
  (driver) => driver.findElement(By.id('n')).getText(),
  (driver) => driver.findElement(By.id('name')).sendKeys('a'),
  (driver) => driver.findElements(By.css('.row')),
]

const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/html' })
  response.end(PAGE)
})
await new Promise((done) => server.listen(0, '127.0.0.1', done))
const pageUrl = `http://127.0.0.1:${server.address().port}/`

const chromedriver = await startChromedriver()
const session = await createSession({ serverUrl: chromedriver.url, onUserDataDir: chromedriver.adopt })
try {
  const raw = session.driver
  const healed = healDriver(raw)
  await raw.get(pageUrl)

  const time = async (driver, index) => {
    const started = performance.now()
    await ACTION_KINDS[index % ACTION_KINDS.length](driver)
    return performance.now() - started
  }
  for (let i = 0; i < WARMUP; i++) {
    await time(raw, i)
    await time(healed, i)
  }

  let rawMs = 0
  let healedMs = 0
  for (let i = 0; i < ACTIONS; i++) {
    // ABBA: even rounds raw first, odd rounds healed first.
    if (i % 2 === 0) {
      rawMs += await time(raw, i)
      healedMs += await time(healed, i)
    } else {
      healedMs += await time(healed, i)
      rawMs += await time(raw, i)
    }
  }

  const ratio = healedMs / rawMs
  const attempts = healed.healing.attempts().length
  console.log(`selenium: ${ACTIONS} healthy actions each, same session, alternating (ABBA)`)
  console.log(`  raw driver    ${rawMs.toFixed(0)} ms  (${(rawMs / ACTIONS).toFixed(1)} ms/action)`)
  console.log(`  healDriver    ${healedMs.toFixed(0)} ms  (${(healedMs / ACTIONS).toFixed(1)} ms/action)`)
  console.log(
    `  overhead ratio ${ratio.toFixed(3)} (target ≤ ${TARGET})  ${ratio <= TARGET ? 'ok' : 'ABOVE TARGET'}`,
  )
  console.log(`  healing attempts on healthy actions: ${attempts} (expected 0)`)
  if (attempts !== 0) process.exitCode = 1
} finally {
  await session.close()
  await chromedriver.stop()
  server.close()
}
