/**
 * `http({ url })`: healthy when a GET of `url` answers with an accepted status (default 200–399).
 * With `start`, vitest-heal runs the server itself (owned) and restarts it when it dies.
 */
import { redactSecrets } from '../core/redact.js'
import { HealConfigError } from '../errors.js'
import { buildService, serviceDescriptor, resolveCommon } from './build-service.js'
import { httpGet } from './http-get.js'
import { hostOfUrl, portOfUrl, urlOption } from './options.js'
import { resolveStart, START_KEYS, type StartOptions } from './process-lifecycle.js'
import { type CommonServiceOptions, type ServiceDescriptor } from './types.js'

export interface HttpServiceOptions extends CommonServiceOptions, StartOptions {
  /** The URL to GET, e.g. `http://127.0.0.1:3000/health`. */
  url: string
  /** Accepted statuses: a list, or a predicate. Default 200–399. */
  status?: number[] | ((status: number) => boolean)
}

const KEYS = ['url', 'status', ...START_KEYS]

export function http(options: HttpServiceOptions): ServiceDescriptor {
  return serviceDescriptor('http', KEYS, options, (ctx, raw) => {
    const url = urlOption(`${ctx.key}.url`, raw.url, ['http:', 'https:'], 'an http:// or https:// URL')
    const accepts = statusOption(`${ctx.key}.status`, raw.status)
    const common = resolveCommon(ctx, raw)
    const owned = resolveStart(ctx, raw)
    const shown = redactSecrets(url.href)
    return buildService(ctx, {
      kind: 'http',
      common,
      target: () => shown,
      url: () => url.href,
      ref: () => ({ name: ctx.name, kind: 'http', host: hostOfUrl(url), port: portOfUrl(url), url: shown }),
      async probe() {
        const startedAt = performance.now()
        const { status } = await httpGet(url, common.checkTimeoutMs)
        const latencyMs = Math.round(performance.now() - startedAt)
        return { state: accepts(status) ? 'healthy' : 'down', detail: `HTTP ${status}`, latencyMs }
      },
      ...(owned ? { owned } : {}),
    })
  })
}

function statusOption(key: string, value: unknown): (status: number) => boolean {
  if (value === undefined) return (status) => status >= 200 && status < 400
  if (typeof value === 'function') return (status) => Boolean((value as (s: number) => unknown)(status))
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((s) => typeof s === 'number' && Number.isInteger(s) && s >= 100 && s <= 599)
  ) {
    const accepted = new Set(value as number[])
    return (status) => accepted.has(status)
  }
  throw new HealConfigError(key, 'a non-empty array of HTTP statuses (100–599) or a function', value)
}
