/**
 * Where the fixture gets its browsers: a session on the configured WebDriver (the plugin exports its
 * URL as VITEST_HEAL_WEBDRIVER_URL) or on a chromedriver the pool starts and owns. A session that died
 * (browser or driver killed) is replaced on the next request; an owned chromedriver that died is
 * started again.
 */
import {
  createSession,
  startChromedriver,
  type BrowserSession,
  type Chromedriver,
  type SessionOptions,
} from './chromedriver.js'
import { categoryOf } from './categories.js'
import { withTimeout } from './time-limit.js'

export const WEBDRIVER_URL_ENV = 'VITEST_HEAL_WEBDRIVER_URL'

export interface BrowserPoolOptions {
  /** WebDriver URL; default `process.env.VITEST_HEAL_WEBDRIVER_URL`, else an owned chromedriver. */
  serverUrl?: string
  /** How long to keep trying to open a session while the WebDriver service is being healed. Default 30 000 ms. */
  openTimeout?: number
  session?: Omit<SessionOptions, 'serverUrl' | 'onUserDataDir'>
  /**
   * Called once per opening when the configured WebDriver does not answer (its process died):
   * resolve once it is back (the fixture asks the coordinator to heal it), reject when it will not be.
   */
  onServerDown?: (serverUrl: string, error: unknown) => Promise<void>
}

const ALIVE_CHECK_MS = 2_000
const OPEN_RETRY_PAUSE_MS = 250

export class BrowserPool {
  readonly #options: BrowserPoolOptions
  #owned?: Chromedriver
  #shared?: BrowserSession
  readonly #open = new Set<BrowserSession>()

  constructor(options: BrowserPoolOptions = {}) {
    this.#options = options
  }

  /** The session shared by the tests of a file: the same one while it lives, a new one once it died. */
  async shared(): Promise<BrowserSession> {
    if (this.#shared && (await isAlive(this.#shared))) return this.#shared
    if (this.#shared) await this.release(this.#shared)
    this.#shared = await this.open()
    return this.#shared
  }

  /** A new session of its own (per-test sessions); `release` it when done. */
  async open(): Promise<BrowserSession> {
    const deadline = Date.now() + (this.#options.openTimeout ?? 30_000)
    let askedToHeal = false
    for (;;) {
      let serverUrl: string | undefined
      try {
        serverUrl = await this.#serverUrl()
        const session = await createSession({
          ...this.#options.session,
          serverUrl,
          ...(this.#owned ? { onUserDataDir: this.#owned.adopt } : {}),
        })
        this.#open.add(session)
        return session
      } catch (error) {
        const { onServerDown } = this.#options
        if (
          onServerDown &&
          serverUrl &&
          !this.#owned &&
          !askedToHeal &&
          categoryOf(error) === 'session_lost'
        ) {
          askedToHeal = true
          await onServerDown(serverUrl, error)
          continue
        }
        // The WebDriver service may be down while the coordinator heals it: keep asking, bounded.
        if (Date.now() + OPEN_RETRY_PAUSE_MS > deadline) throw error
        await new Promise((resolve) => setTimeout(resolve, OPEN_RETRY_PAUSE_MS))
      }
    }
  }

  async release(session: BrowserSession): Promise<void> {
    this.#open.delete(session)
    if (this.#shared === session) this.#shared = undefined
    await session.close()
  }

  /** Closes every session and stops the owned chromedriver, if any. */
  async close(): Promise<void> {
    await Promise.all([...this.#open].map((session) => this.release(session)))
    await this.#owned?.stop()
    this.#owned = undefined
  }

  async #serverUrl(): Promise<string> {
    const configured = this.#options.serverUrl ?? process.env[WEBDRIVER_URL_ENV]
    if (configured) return configured
    if (this.#owned && !this.#owned.isRunning()) {
      await this.#owned.stop()
      this.#owned = undefined
    }
    this.#owned ??= await startChromedriver()
    return this.#owned.url
  }
}

async function isAlive(session: BrowserSession): Promise<boolean> {
  return await withTimeout(session.driver.getCurrentUrl(), ALIVE_CHECK_MS, 'getCurrentUrl').then(
    () => true,
    () => false,
  )
}
