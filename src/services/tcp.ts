/** `tcp({ host, port })` or `tcp({ url })`: healthy when a TCP connection is accepted. */
import { connect } from 'node:net'
import type { HealthProbe } from '../core/types.js'
import { redactSecrets } from '../core/redact.js'
import { HealConfigError } from '../errors.js'
import { buildService, serviceDescriptor, errorText, resolveCommon } from './build-service.js'
import { hostOfUrl, portOption, stringOption } from './options.js'
import { resolveStart, START_KEYS, type StartOptions } from './process-lifecycle.js'
import { type CommonServiceOptions, type ServiceDescriptor } from './types.js'

export type TcpServiceOptions = CommonServiceOptions &
  StartOptions &
  ({ host: string; port: number; url?: never } | { url: string; host?: never; port?: never })

const KEYS = ['host', 'port', 'url', ...START_KEYS]

export function tcp(options: TcpServiceOptions): ServiceDescriptor {
  return serviceDescriptor('tcp', KEYS, options, (ctx, raw) => {
    const { host, port } = endpoint(ctx.key, raw)
    const common = resolveCommon(ctx, raw)
    const owned = resolveStart(ctx, raw)
    const shown = `${host.includes(':') ? `[${host}]` : host}:${port}`
    const url = typeof raw.url === 'string' ? raw.url : `tcp://${shown}`
    return buildService(ctx, {
      kind: 'tcp',
      common,
      target: () => redactSecrets(url),
      url: () => url,
      ref: () => ({ name: ctx.name, kind: 'tcp', host, port, url: redactSecrets(url) }),
      probe: () => probeTcp(host, port, common.checkTimeoutMs),
      ...(owned ? { owned } : {}),
    })
  })
}

function endpoint(key: string, raw: Record<string, unknown>): { host: string; port: number } {
  if (raw.url !== undefined) {
    if (raw.host !== undefined)
      throw new HealConfigError(`${key}.host`, 'no host when url is given', raw.host)
    if (raw.port !== undefined)
      throw new HealConfigError(`${key}.port`, 'no port when url is given', raw.port)
    let url: URL | undefined
    try {
      url = typeof raw.url === 'string' ? new URL(raw.url) : undefined
    } catch {
      url = undefined
    }
    if (url === undefined || url.hostname === '') {
      throw new HealConfigError(
        `${key}.url`,
        'a URL with a host and a port, such as tcp://127.0.0.1:6379',
        raw.url,
      )
    }
    // A tcp check has no scheme default to fall back on: the port must be written out.
    if (url.port === '')
      throw new HealConfigError(`${key}.url`, 'a URL with a port, such as tcp://127.0.0.1:6379', raw.url)
    return { host: hostOfUrl(url), port: Number(url.port) }
  }
  const host = stringOption(`${key}.host`, raw.host)
  if (host === undefined)
    throw new HealConfigError(`${key}.host`, 'a host name or address (or a url)', raw.host)
  return { host, port: portOption(`${key}.port`, raw.port) }
}

export function probeTcp(host: string, port: number, timeoutMs: number): Promise<HealthProbe> {
  const startedAt = performance.now()
  const elapsed = (): number => Math.round(performance.now() - startedAt)
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs })
    socket.once('connect', () => {
      socket.destroy()
      resolve({ state: 'healthy', detail: `connected to ${host}:${port}`, latencyMs: elapsed() })
    })
    socket.once('timeout', () => {
      socket.destroy()
      resolve({
        state: 'down',
        detail: `no connection to ${host}:${port} within ${timeoutMs} ms`,
        latencyMs: elapsed(),
      })
    })
    socket.once('error', (error) =>
      resolve({ state: 'down', detail: errorText(error), latencyMs: elapsed() }),
    )
  })
}
