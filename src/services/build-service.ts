/**
 * What every service kind shares: the common options (recoveries, timeouts, env, required, tests)
 * and the assembly of a `Service` whose probe never throws and never outlives its checkTimeout.
 */
import type { HealthProbe, ServiceRef } from '../core/types.js'
import { redactSecrets } from '../core/redact.js'
import { HealConfigError } from '../errors.js'
import { restartRecovery } from '../recoveries/restart.js'
import {
  argvOption,
  booleanOption,
  envNameOption,
  expectOptionsObject,
  globsOption,
  rejectUnknownKeys,
  timeoutOption,
  type Options,
} from './options.js'
import {
  isRecoveryDescriptor,
  SERVICE_BRAND,
  type OwnedLifecycle,
  type ChaosCommands,
  type Recovery,
  type ResolveContext,
  type Service,
  type ServiceDescriptor,
} from './types.js'

export const COMMON_KEYS = [
  'recover',
  'startTimeout',
  'checkTimeout',
  'env',
  'required',
  'tests',
  'chaos',
] as const

export const DEFAULT_START_TIMEOUT_MS = 30_000
export const DEFAULT_CHECK_TIMEOUT_MS = 2_000

/** A descriptor whose resolve() first checks that the options are an object with only `keys`. */
export function serviceDescriptor(
  kind: string,
  keys: readonly string[],
  options: unknown,
  build: (ctx: ResolveContext, raw: Options) => Service,
): ServiceDescriptor {
  return {
    [SERVICE_BRAND]: true,
    kind,
    resolve(ctx) {
      const raw = expectOptionsObject(ctx.key, options)
      rejectUnknownKeys(ctx.key, raw, [...keys, ...COMMON_KEYS])
      return build(ctx, raw)
    },
  }
}

export interface CommonResolved {
  recoveries: Recovery[]
  startTimeoutMs: number
  checkTimeoutMs: number
  env: string | undefined
  required: boolean
  tests: string[]
  chaos?: ChaosCommands
}

export function resolveCommon(ctx: ResolveContext, options: Options): CommonResolved {
  return {
    recoveries: resolveRecoveries(`${ctx.key}.recover`, options.recover),
    startTimeoutMs: timeoutOption(`${ctx.key}.startTimeout`, options.startTimeout, DEFAULT_START_TIMEOUT_MS),
    checkTimeoutMs: timeoutOption(`${ctx.key}.checkTimeout`, options.checkTimeout, DEFAULT_CHECK_TIMEOUT_MS),
    env: envNameOption(`${ctx.key}.env`, options.env),
    required: booleanOption(`${ctx.key}.required`, options.required, true),
    tests: globsOption(`${ctx.key}.tests`, options.tests),
    ...resolveChaosCommands(`${ctx.key}.chaos`, options.chaos),
  }
}

const CHAOS_COMMANDS = ['kill', 'stop', 'restart', 'pause', 'resume'] as const

function resolveChaosCommands(key: string, value: unknown): { chaos?: ChaosCommands } {
  if (value === undefined) return {}
  const raw = expectOptionsObject(key, value)
  rejectUnknownKeys(key, raw, CHAOS_COMMANDS)
  const chaos: ChaosCommands = {}
  for (const name of CHAOS_COMMANDS) {
    if (raw[name] !== undefined) chaos[name] = argvOption(`${key}.${name}`, raw[name])
  }
  // A pause without its resume would leave the service stopped for the rest of the run.
  if ((chaos.pause === undefined) !== (chaos.resume === undefined)) {
    const missing = chaos.pause === undefined ? 'pause' : 'resume'
    throw new HealConfigError(
      `${key}.${missing}`,
      `a command beside ${key}.${missing === 'pause' ? 'resume' : 'pause'}`,
      undefined,
    )
  }
  return { chaos }
}

function resolveRecoveries(key: string, value: unknown): Recovery[] {
  if (value === undefined) return []
  if (!Array.isArray(value))
    throw new HealConfigError(key, 'an array of recoveries (command(), compose(), recover())', value)
  return value.map((item: unknown, index) => {
    if (!isRecoveryDescriptor(item)) {
      throw new HealConfigError(`${key}[${index}]`, 'a recovery from command(), compose() or recover()', item)
    }
    return item.resolve(`${key}[${index}]`)
  })
}

export interface ServiceParts {
  kind: string
  common: CommonResolved
  target(): string
  url(): string | undefined
  ref(): ServiceRef
  /** The raw check; may throw, may hang: buildService bounds it. */
  probe(): Promise<HealthProbe>
  owned?: OwnedParts
}

export interface OwnedParts {
  lifecycle: OwnedLifecycle
  /** What runs, for status lines: `node server.js`. */
  description: string
  /** How the `restart` recovery restarts it. Default: stop if running, then start. */
  restart?: () => Promise<void>
}

export function buildService(ctx: ResolveContext, parts: ServiceParts): Service {
  const { common } = parts
  // A relief cannot help a service that is down, and a restart must never be a full one's answer.
  const reliefs = common.recoveries.filter((recovery) => recovery.relieves === 'saturation')
  const forOutage = common.recoveries.filter((recovery) => recovery.relieves !== 'saturation')
  const recoveries = parts.owned
    ? [restartRecovery(`${ctx.key}.start`, parts.owned), ...forOutage]
    : forOutage
  return {
    name: ctx.name,
    kind: parts.kind,
    key: ctx.key,
    ...(common.env === undefined ? {} : { env: common.env }),
    required: common.required,
    startTimeoutMs: common.startTimeoutMs,
    checkTimeoutMs: common.checkTimeoutMs,
    recoveries,
    ...(reliefs.length === 0 ? {} : { reliefs }),
    tests: common.tests,
    target: parts.target,
    url: parts.url,
    ref: parts.ref,
    probe: () => boundedProbe(parts.probe, common.checkTimeoutMs),
    ...(parts.owned ? { owned: parts.owned.lifecycle } : {}),
    ...(common.chaos ? { chaos: common.chaos } : {}),
  }
}

/** Runs a probe so that it never throws and answers `down` once `timeoutMs` has passed. */
export async function boundedProbe(
  probe: () => Promise<HealthProbe>,
  timeoutMs: number,
): Promise<HealthProbe> {
  const startedAt = performance.now()
  const elapsed = (): number => Math.round(performance.now() - startedAt)
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<HealthProbe>((resolve) => {
    timer = setTimeout(
      () => resolve({ state: 'down', detail: `no answer within ${timeoutMs} ms`, latencyMs: elapsed() }),
      timeoutMs,
    )
  })
  const answered = Promise.resolve()
    .then(probe)
    .catch((error: unknown): HealthProbe => ({
      state: 'down',
      detail: errorText(error),
      latencyMs: elapsed(),
    }))
  try {
    return await Promise.race([answered, timedOut])
  } finally {
    clearTimeout(timer)
  }
}

/** An error as one redacted line: `ECONNREFUSED connect ECONNREFUSED 127.0.0.1:5432`. */
export function errorText(error: unknown): string {
  const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown
    message?: unknown
  }
  const text = typeof message === 'string' && message !== '' ? message : String(error)
  const prefix = typeof code === 'string' && !text.includes(code) ? `${code} ` : ''
  return redactSecrets(`${prefix}${text}`.split('\n')[0] ?? '')
}
