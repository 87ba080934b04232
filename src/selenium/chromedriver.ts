/**
 * An owned chromedriver and Chromium sessions on it, set up so that nothing is ever downloaded
 * (no Selenium Manager) and nothing is left running: every session gets a fresh `--user-data-dir`,
 * and ending a session or its driver kills the browsers that carry that directory.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Browser, Builder, type WebDriver } from 'selenium-webdriver'
import chrome from 'selenium-webdriver/chrome.js'
import { HealConfigError, HealError } from '../errors.js'
import { freePort } from '../services/free-port.js'
import { pollUntilHealthy } from '../services/wait.js'
import { probeWebDriverStatus } from '../services/webdriver.js'
import { killProcessesWithArgument } from './processes.js'
import { withTimeout } from './time-limit.js'

export const DEFAULT_CHROMEDRIVER_PATH = '/usr/bin/chromedriver'
export const DEFAULT_CHROMIUM_PATH = '/usr/lib/chromium/chromium'

/** Flags Chromium needs to run headless as root in CI without reaching the network on its own. */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
]

export interface ChromedriverOptions {
  /** Default `/usr/bin/chromedriver`. */
  path?: string
  /** Default: a free port on 127.0.0.1. */
  port?: number
  /** Longest wait for `/status` to say ready. Default 10 000 ms. */
  startTimeout?: number
}

export interface Chromedriver {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  readonly pid: number
  isRunning(): boolean
  /** The last lines chromedriver printed, for evidence when it dies. */
  logTail(lines?: number): string
  /** Ends its sessions' browsers, then chromedriver itself (SIGTERM, SIGKILL after 2 s). */
  stop(): Promise<void>
  /** Registers a session's user-data-dir so `stop()` kills its browsers too. */
  adopt(userDataDir: string): void
}

const LOG_LINES_KEPT = 200

export async function startChromedriver(options: ChromedriverOptions = {}): Promise<Chromedriver> {
  const path = options.path ?? DEFAULT_CHROMEDRIVER_PATH
  const startTimeout = options.startTimeout ?? 10_000
  if (options.port !== undefined && !isPort(options.port)) {
    throw new HealConfigError('chromedriver.port', 'an integer port between 1 and 65535', options.port)
  }
  const port = options.port ?? (await freePort())
  const url = `http://127.0.0.1:${port}`
  const log: string[] = []
  const child = spawn(path, [`--port=${port}`, '--log-level=WARNING'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SE_OFFLINE: 'true' },
  })
  const keep = (chunk: Buffer): void => {
    log.push(...chunk.toString('utf8').split('\n').filter(Boolean))
    if (log.length > LOG_LINES_KEPT) log.splice(0, log.length - LOG_LINES_KEPT)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = waitForExit(child)
  // 'close' comes after the output is read ('exit' may come before): the error then quotes it.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve))

  const ready = await Promise.race([
    waitForReady(url, startTimeout, child),
    spawnError.then(
      (error) =>
        new HealError('E_COMMAND_NOT_FOUND', `chromedriver could not start: ${path}: ${error.message}`),
    ),
    closed.then(
      () => new HealError('E_COMMAND_FAILED', `chromedriver exited at start: ${log.slice(-5).join(' | ')}`),
    ),
  ])
  if (ready !== true) {
    child.kill('SIGKILL')
    throw ready
  }

  const userDataDirs = new Set<string>()
  return {
    url,
    port,
    pid: child.pid ?? -1,
    isRunning: () => child.exitCode === null && child.signalCode === null,
    logTail: (lines = 20) => log.slice(-lines).join('\n'),
    adopt: (dir) => void userDataDirs.add(dir),
    async stop() {
      for (const dir of userDataDirs) await killBrowsers(dir)
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 2_000)
        await exited
        clearTimeout(timer)
      }
      // chromedriver may have started a browser for a session that never reported back.
      for (const dir of userDataDirs) await killBrowsers(dir)
    },
  }
}

export interface SessionOptions {
  /** WebDriver URL, e.g. an owned chromedriver's `url`. */
  serverUrl: string
  /** Default `/usr/lib/chromium/chromium`. */
  chromiumPath?: string
  /** Extra Chromium flags after {@link CHROMIUM_FLAGS}. */
  args?: readonly string[]
  /** Default `1280,800`. */
  windowSize?: string
  /** Called with the session's fresh user-data-dir before the browser starts (an owned driver adopts it). */
  onUserDataDir?(dir: string): void
}

export interface BrowserSession {
  readonly driver: WebDriver
  readonly userDataDir: string
  readonly serverUrl: string
  /** Quits the session (bounded), kills its browsers and removes its profile. Never throws. */
  close(): Promise<void>
  /** Kills this session's browsers without asking the driver, as a crash would. */
  killBrowsers(): Promise<number>
}

const QUIT_TIMEOUT_MS = 3_000

export async function createSession(options: SessionOptions): Promise<BrowserSession> {
  process.env.SE_OFFLINE ??= 'true'
  const userDataDir = await mkdtemp(join(tmpdir(), 'vitest-heal-chromium-'))
  options.onUserDataDir?.(userDataDir)
  const chromeOptions = new chrome.Options().setChromeBinaryPath(
    options.chromiumPath ?? DEFAULT_CHROMIUM_PATH,
  )
  chromeOptions.addArguments(
    ...CHROMIUM_FLAGS,
    `--window-size=${options.windowSize ?? '1280,800'}`,
    `--user-data-dir=${userDataDir}`,
    ...(options.args ?? []),
  )
  let driver: WebDriver
  try {
    driver = await new Builder()
      .forBrowser(Browser.CHROME)
      .disableEnvironmentOverrides()
      .usingServer(options.serverUrl)
      .setChromeOptions(chromeOptions)
      .build()
  } catch (error) {
    await killBrowsers(userDataDir)
    throw error
  }
  return {
    driver,
    userDataDir,
    serverUrl: options.serverUrl,
    killBrowsers: () => killProcessesWithArgument(`--user-data-dir=${userDataDir}`),
    async close() {
      await withTimeout(driver.quit(), QUIT_TIMEOUT_MS, 'quit').catch(() => undefined)
      await killBrowsers(userDataDir)
    },
  }
}

/** Kills the browsers started with `userDataDir` and removes the directory. */
export async function killBrowsers(userDataDir: string): Promise<void> {
  await killProcessesWithArgument(`--user-data-dir=${userDataDir}`)
  await rm(userDataDir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined)
}

function isPort(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) > 0 && (value as number) < 65_536
}

function waitForExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once('exit', () => resolve())
  })
}

/** The same `/status` probe and poll as a declared `webdriver()` service's, stopped early by an exit. */
async function waitForReady(url: string, timeoutMs: number, child: ChildProcess): Promise<true | HealError> {
  const statusUrl = new URL('/status', url)
  const wait = await pollUntilHealthy(() => probeWebDriverStatus(statusUrl, 1_000), {
    timeoutMs,
    maxDelayMs: 100,
    giveUp: () => (child.exitCode !== null || child.signalCode !== null ? 'chromedriver exited' : undefined),
  })
  if (wait.healthy) return true
  return new HealError(
    'E_SERVICE_UNHEALTHY',
    `chromedriver at ${url} not ready after ${wait.elapsedMs} ms: ${wait.stoppedBecause ?? wait.last.detail}`,
  )
}
