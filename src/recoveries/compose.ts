/** `compose(serviceName)`: `docker compose [-f file] [-p project] up -d <serviceName>`, built on command(). */
import { expectOptionsObject, rejectUnknownKeys, stringOption, timeoutOption } from '../services/options.js'
import { HealConfigError } from '../errors.js'
import { RECOVERY_BRAND, type RecoveryDescriptor } from '../services/types.js'
import { DEFAULT_COMMAND_TIMEOUT_MS, resolveCommand } from './command.js'

export interface ComposeOptions {
  /** The compose file (`-f`). Default: docker compose's own lookup. */
  file?: string
  /** The project name (`-p`). */
  projectName?: string
  /** Default 60 000 ms (pulling an image can take longer: raise it). */
  timeout?: number
}

export function compose(serviceName: string, options: ComposeOptions = {}): RecoveryDescriptor {
  return {
    [RECOVERY_BRAND]: true,
    kind: 'compose',
    resolve(key) {
      if (typeof serviceName !== 'string' || serviceName === '' || serviceName.startsWith('-')) {
        throw new HealConfigError(key, 'a docker compose service name', serviceName)
      }
      const raw = expectOptionsObject(`${key}.options`, options ?? {})
      rejectUnknownKeys(key, raw, ['file', 'projectName', 'timeout'])
      const file = stringOption(`${key}.file`, raw.file)
      const projectName = stringOption(`${key}.projectName`, raw.projectName)
      const timeout = timeoutOption(`${key}.timeout`, raw.timeout, DEFAULT_COMMAND_TIMEOUT_MS)
      const argv = [
        'docker',
        'compose',
        ...(file === undefined ? [] : ['-f', file]),
        ...(projectName === undefined ? [] : ['-p', projectName]),
        'up',
        '-d',
        serviceName,
      ]
      return { ...resolveCommand(key, argv, { timeout }), strategy: `compose:${serviceName}` }
    },
  }
}
