/** `recover(fn)`: a recovery that is the user's own async function. */
import { HealConfigError } from '../errors.js'
import { expectOptionsObject, rejectUnknownKeys, stringOption, timeoutOption } from '../services/options.js'
import { RECOVERY_BRAND, type RecoveryContext, type RecoveryDescriptor } from '../services/types.js'

export interface RecoverOptions {
  /** Shown in status lines and kept in the strategy id (`custom:<name>`). */
  name?: string
  /** Longest run; then its `signal` aborts and the next recovery runs. Default 60 000 ms. */
  timeout?: number
}

export function recover(
  fn: (ctx: RecoveryContext) => Promise<void> | void,
  options: RecoverOptions = {},
): RecoveryDescriptor {
  return {
    [RECOVERY_BRAND]: true,
    kind: 'custom',
    resolve(key) {
      if (typeof fn !== 'function') throw new HealConfigError(key, 'an async function', fn)
      const raw = expectOptionsObject(`${key}.options`, options ?? {})
      rejectUnknownKeys(key, raw, ['name', 'timeout'])
      const name = stringOption(`${key}.name`, raw.name)
      return {
        strategy: name === undefined ? 'custom' : `custom:${name}`,
        description: name ?? 'custom recovery',
        timeoutMs: timeoutOption(`${key}.timeout`, raw.timeout, 60_000),
        key,
        run: async (ctx) => {
          await fn(ctx)
        },
      }
    },
  }
}
