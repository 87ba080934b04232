/** The owned lifecycle of a service started from an argv (`http({ start })`, `service({ start })`, …). */
import { redactSecrets } from '../core/redact.js'
import { argvOption, stringOption, stringRecordOption, type Options } from './options.js'
import { OwnedProcess } from './owned-process.js'
import type { OwnedLifecycle, ResolveContext } from './types.js'

/** Options of a service that vitest-heal can start itself. */
export interface StartOptions {
  /** The command that starts the service, as an argv array (no shell). Makes the service owned. */
  start?: string[]
  /** Working directory of `start`. Default: the current directory. */
  cwd?: string
  /** Extra environment of `start`, on top of the run's (which holds earlier services' `env` URLs). */
  startEnv?: Record<string, string>
}

export const START_KEYS = ['start', 'cwd', 'startEnv'] as const

export function resolveStart(
  ctx: ResolveContext,
  options: Options,
): { lifecycle: OwnedLifecycle; description: string } | undefined {
  const cwd = stringOption(`${ctx.key}.cwd`, options.cwd)
  const env = stringRecordOption(`${ctx.key}.startEnv`, options.startEnv)
  if (options.start === undefined) return undefined
  const argv = argvOption(`${ctx.key}.start`, options.start)
  return {
    lifecycle: processLifecycle({ argv, ...(cwd ? { cwd } : {}), ...(env ? { env } : {}) }),
    description: redactSecrets(argv.join(' ')),
  }
}

export function processLifecycle(options: {
  argv: readonly string[]
  cwd?: string
  env?: Record<string, string>
}): OwnedLifecycle {
  // Each start spawns a new child with the environment as it is then: pre-flight exports earlier
  // services' URLs (DATABASE_URL) before a later service starts.
  const child = new OwnedProcess(options)
  return {
    start: () => child.start(),
    stop: () => child.stop(),
    isRunning: () => child.isRunning(),
    logTail: (lines) => child.logTail(lines),
    pid: () => child.pid,
  }
}
