/**
 * An owned chromedriver's start waits on the same `/status` probe and poll as a `webdriver()`
 * service. Real processes: stand-in drivers (small Node servers taking `--port=`) that are slow to
 * be ready, never ready, or die at start; and the real chromedriver where it is installed.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { DEFAULT_CHROMEDRIVER_PATH, startChromedriver } from '../../../src/selenium/chromedriver.js'

const scratch = mkdtempSync(join(tmpdir(), 'vitest-heal-fake-driver-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** A stand-in driver: answers `/status` with ready=false until `readyAfterMs`, then ready=true. */
function fakeDriver(name: string, body: string): string {
  const path = join(scratch, name)
  writeFileSync(
    path,
    `#!${process.execPath}
const port = Number(process.argv.find((a) => a.startsWith('--port=')).slice(7))
const startedAt = Date.now()
${body}
`,
  )
  chmodSync(path, 0o755)
  return path
}

const server = (readyAfterMs: number): string => `require('node:http').createServer((req, res) => {
  const ready = Date.now() - startedAt >= ${readyAfterMs}
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify({ value: { ready, message: ready ? 'ready' : 'still warming up' } }))
}).listen(port, '127.0.0.1')`

describe('startChromedriver waits for /status', () => {
  test('until the driver says ready', async () => {
    const driver = await startChromedriver({ path: fakeDriver('slow', server(400)), startTimeout: 10_000 })
    try {
      const answer = (await (await fetch(`${driver.url}/status`)).json()) as { value: { ready: boolean } }
      expect(answer.value.ready).toBe(true)
    } finally {
      await driver.stop()
    }
  })

  test('gives up after startTimeout with what the driver last said', async () => {
    await expect(startChromedriver({ path: fakeDriver('never', server(1e9)), startTimeout: 4_000 })).rejects.toThrow(
      /chromedriver at http:\/\/127\.0\.0\.1:\d+ not ready after \d+ ms: not ready: still warming up/,
    )
  })

  test('a driver that dies at start fails at once with its output, not at the timeout', async () => {
    const startedAt = Date.now()
    await expect(
      startChromedriver({ path: fakeDriver('dies', "console.error('no chrome here'); process.exit(3)"), startTimeout: 20_000 }),
    ).rejects.toThrow(/chromedriver exited at start: no chrome here/)
    expect(Date.now() - startedAt).toBeLessThan(10_000)
  })

  test.runIf(existsSync(DEFAULT_CHROMEDRIVER_PATH))('the real chromedriver starts and stops', async () => {
    const driver = await startChromedriver()
    expect(driver.isRunning()).toBe(true)
    await driver.stop()
    expect(driver.isRunning()).toBe(false)
  })
})
