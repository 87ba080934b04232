/**
 * An owned chromedriver's start waits on the same `/status` probe and poll as a `webdriver()`
 * service. Real processes and sockets: stand-in drivers that are slow to be ready, never ready, or
 * die at start; and the real chromedriver where it is installed.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { DEFAULT_CHROMEDRIVER_PATH, startChromedriver } from '../../../src/selenium/chromedriver.js'

const scratch = mkdtempSync(join(tmpdir(), 'vitest-heal-fake-driver-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** A stand-in driver: an executable that takes chromedriver's arguments. */
function fakeDriver(name: string, script: string): string {
  const path = join(scratch, name)
  writeFileSync(path, script)
  chmodSync(path, 0o755)
  return path
}

/**
 * The `/status` a driver would serve, answered from this process (a stand-in driver that only
 * sleeps holds the port's place), so a slow start of a Node child cannot blur the timings.
 */
async function statusServer(readyAfterMs: number): Promise<{ port: number; close(): void }> {
  const startedAt = Date.now()
  const server = createServer((_, res) => {
    const ready = Date.now() - startedAt >= readyAfterMs
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ value: { ready, message: ready ? 'ready' : 'still warming up' } }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as AddressInfo).port, close: () => server.close() }
}

const SLEEPER = '#!/bin/sh\nexec sleep 60\n'

describe('startChromedriver waits for /status', () => {
  test('until the driver says ready', async () => {
    const status = await statusServer(400)
    const startedAt = Date.now()
    const driver = await startChromedriver({
      path: fakeDriver('slow', SLEEPER),
      port: status.port,
      startTimeout: 10_000,
    })
    try {
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(350)
      expect(driver.isRunning()).toBe(true)
    } finally {
      await driver.stop()
      status.close()
    }
  })

  test('gives up after startTimeout with what the driver last said', async () => {
    const status = await statusServer(1e9)
    try {
      await expect(
        startChromedriver({ path: fakeDriver('never', SLEEPER), port: status.port, startTimeout: 800 }),
      ).rejects.toThrow(
        /chromedriver at http:\/\/127\.0\.0\.1:\d+ not ready after \d+ ms: not ready: still warming up/,
      )
    } finally {
      status.close()
    }
  })

  test('a driver that dies at start fails at once with its output, not at the timeout', async () => {
    const startedAt = Date.now()
    await expect(
      startChromedriver({
        path: fakeDriver('dies', '#!/bin/sh\necho no chrome here >&2\nexit 3\n'),
        startTimeout: 20_000,
      }),
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
