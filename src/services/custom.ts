/**
 * `service({ check })`: a service whose health is whatever the user's function says. `false` or a
 * throw means down; `true` or nothing means healthy. With `start`, vitest-heal runs it (owned).
 */
import { redactSecrets } from '../core/redact.js'
import { HealConfigError } from '../errors.js'
import { buildService, serviceDescriptor, resolveCommon } from './build-service.js'
import { stringOption } from './options.js'
import { resolveStart, START_KEYS, type StartOptions } from './process-lifecycle.js'
import { type CommonServiceOptions, type ServiceDescriptor } from './types.js'

export interface CustomServiceOptions extends CommonServiceOptions, StartOptions {
  check: () => Promise<boolean | void> | boolean | void
  /** Exported through `env` and shown (redacted) as the target. */
  url?: string
  /** A label for tables and messages when there is no url, e.g. `redis`. */
  name?: string
}

const KEYS = ['check', 'url', 'name', ...START_KEYS]

export function service(options: CustomServiceOptions): ServiceDescriptor {
  return serviceDescriptor('custom', KEYS, options, (ctx, raw) => {
    const check = raw.check
    if (typeof check !== 'function') throw new HealConfigError(`${ctx.key}.check`, 'an async function', check)
    const url = stringOption(`${ctx.key}.url`, raw.url)
    const label = stringOption(`${ctx.key}.name`, raw.name)
    const common = resolveCommon(ctx, raw)
    const owned = resolveStart(ctx, raw)
    const shown = redactSecrets(url ?? label ?? `custom check ${ctx.name}`)
    return buildService(ctx, {
      kind: 'custom',
      common,
      target: () => shown,
      url: () => url,
      ref: () => ({
        name: ctx.name,
        kind: 'custom',
        ...(url === undefined ? {} : { url: redactSecrets(url) }),
      }),
      async probe() {
        const startedAt = performance.now()
        const said = await (check as CustomServiceOptions['check'])()
        const latencyMs = Math.round(performance.now() - startedAt)
        return said === false
          ? { state: 'down', detail: 'check returned false', latencyMs }
          : { state: 'healthy', detail: 'check passed', latencyMs }
      },
      ...(owned ? { owned } : {}),
    })
  })
}
