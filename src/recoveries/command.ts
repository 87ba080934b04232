/**
 * `command(argv, { timeout, cwd, env })`: a recovery that runs a command (no shell: every argv item
 * is one argument, verbatim). `verify()` finds the executable before anything runs.
 */
import { basename } from 'node:path'
import { redactSecrets } from '../core/redact.js'
import { HealError } from '../errors.js'
import { findExecutable } from '../services/find-executable.js'
import {
  argvOption,
  expectOptionsObject,
  rejectUnknownKeys,
  stringOption,
  stringRecordOption,
  timeoutOption,
} from '../services/options.js'
import { RECOVERY_BRAND, type Recovery, type RecoveryDescriptor } from '../services/types.js'
import { runCommand } from './run-command.js'

export interface CommandOptions {
  /** Longest run before its process group is killed. Default 60 000 ms. */
  timeout?: number
  cwd?: string
  /** Added to the run's environment. */
  env?: Record<string, string>
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000

export function command(argv: string[], options: CommandOptions = {}): RecoveryDescriptor {
  return {
    [RECOVERY_BRAND]: true,
    kind: 'command',
    resolve: (key) => resolveCommand(key, argv, options),
  }
}

export function resolveCommand(key: string, argvValue: unknown, optionsValue: unknown): Recovery {
  const argv = argvOption(key, argvValue)
  const options = expectOptionsObject(`${key}.options`, optionsValue ?? {})
  rejectUnknownKeys(key, options, ['timeout', 'cwd', 'env'])
  const timeoutMs = timeoutOption(`${key}.timeout`, options.timeout, DEFAULT_COMMAND_TIMEOUT_MS)
  const cwd = stringOption(`${key}.cwd`, options.cwd)
  const env = stringRecordOption(`${key}.env`, options.env)
  const program = argv[0] as string
  return {
    strategy: `command:${basename(program)}`,
    description: redactSecrets(argv.join(' ')),
    timeoutMs,
    key,
    async verify() {
      const found = findExecutable(program, {
        ...(cwd === undefined ? {} : { cwd }),
        ...(env?.PATH === undefined ? {} : { path: env.PATH }),
      })
      if (found === undefined) {
        throw new HealError(
          'E_COMMAND_NOT_FOUND',
          `vitest-heal: ${key}: command ${JSON.stringify(redactSecrets(program))} not found ` +
            `(${program.includes('/') ? 'no executable file at that path' : 'not on PATH'})`,
        )
      }
    },
    run: ({ signal }) =>
      runCommand(argv, {
        timeoutMs,
        signal,
        ...(cwd === undefined ? {} : { cwd }),
        ...(env === undefined ? {} : { env }),
      }),
  }
}
