/**
 * `webdriver({ url })`: healthy when `GET <url>/status` says `value.ready === true` (W3C WebDriver).
 * With `start` (e.g. `['chromedriver', '--port=9515']`), vitest-heal runs the driver itself.
 */
import { redactSecrets } from '../core/redact.js'
import type { HealthProbe } from '../core/types.js'
import { buildService, serviceDescriptor, resolveCommon } from './build-service.js'
import { httpGet } from './http-get.js'
import { hostOfUrl, portOfUrl, urlOption } from './options.js'
import { resolveStart, START_KEYS, type StartOptions } from './process-lifecycle.js'
import { type CommonServiceOptions, type ServiceDescriptor } from './types.js'

export interface WebDriverServiceOptions extends CommonServiceOptions, StartOptions {
  /** The driver's base URL, e.g. `http://127.0.0.1:9515`. */
  url: string
}

const KEYS = ['url', ...START_KEYS]

export function webdriver(options: WebDriverServiceOptions): ServiceDescriptor {
  return serviceDescriptor('webdriver', KEYS, options, (ctx, raw) => {
    const url = urlOption(
      `${ctx.key}.url`,
      raw.url,
      ['http:', 'https:'],
      'an http:// URL of a WebDriver server',
    )
    const common = resolveCommon(ctx, raw)
    const owned = resolveStart(ctx, raw)
    const statusUrl = new URL(`${url.pathname.replace(/\/+$/, '')}/status`, url)
    const shown = redactSecrets(url.href)
    return buildService(ctx, {
      kind: 'webdriver',
      common,
      target: () => shown,
      url: () => url.href,
      ref: () => ({
        name: ctx.name,
        kind: 'webdriver',
        host: hostOfUrl(url),
        port: portOfUrl(url),
        url: shown,
      }),
      probe: async () => probeWebDriverStatus(statusUrl, common.checkTimeoutMs),
      ...(owned ? { owned } : {}),
    })
  })
}

/** One `GET /status`: healthy when the driver says `ready`. Also how an owned chromedriver's start is awaited. */
export async function probeWebDriverStatus(statusUrl: URL, timeoutMs: number): Promise<HealthProbe> {
  const startedAt = performance.now()
  const { status, body } = await httpGet(statusUrl, timeoutMs)
  const latencyMs = Math.round(performance.now() - startedAt)
  let value: { ready?: unknown; message?: unknown } | undefined
  try {
    value = (JSON.parse(body) as { value?: { ready?: unknown; message?: unknown } }).value
  } catch {
    value = undefined
  }
  if (value?.ready === true) return { state: 'healthy', detail: 'ready', latencyMs }
  const said = typeof value?.message === 'string' ? `: ${value.message}` : ''
  const detail = value === undefined ? `HTTP ${status}, not a WebDriver status answer` : `not ready${said}`
  return { state: 'down', detail: redactSecrets(detail), latencyMs }
}
