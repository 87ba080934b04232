/**
 * The service model. A factory (`postgres()`, `http()`, …) returns a descriptor; `heal()` resolves
 * each descriptor with its key path (`services.db`) so a bad option is reported with its full name.
 * The resolved `Service` is what pre-flight, doctor and the coordinator work with.
 */
import type { HealthProbe, ServiceRef } from '../core/types.js'

export const SERVICE_BRAND: unique symbol = Symbol.for('vitest-heal.service')
export const RECOVERY_BRAND: unique symbol = Symbol.for('vitest-heal.recovery')

/** Where a descriptor sits in the user's options, so errors can name the key. */
export interface ResolveContext {
  /** Service name, e.g. `db`. */
  name: string
  /** Full key path, e.g. `services.db`. */
  key: string
}

export interface ServiceDescriptor {
  readonly [SERVICE_BRAND]: true
  readonly kind: string
  /** Validates the options (throwing HealConfigError naming `${ctx.key}.<option>`) and builds the service. */
  resolve(ctx: ResolveContext): Service
}

export interface RecoveryDescriptor {
  readonly [RECOVERY_BRAND]: true
  readonly kind: string
  /** `key` is e.g. `services.db.recover[0]`. */
  resolve(key: string): Recovery
}

/** Options every service factory accepts. */
export interface CommonServiceOptions {
  /** Recoveries tried in order until the service is healthy again. */
  recover?: RecoveryDescriptor[]
  /** Longest wait for the service to become healthy after a start or recovery. Default 30 000 ms. */
  startTimeout?: number
  /** Longest single health probe. Default 2 000 ms. */
  checkTimeout?: number
  /** Name of an environment variable set to the service's URL in the main process and every worker. */
  env?: string
  /** A required service that cannot be made healthy stops the run before any test. Default true. */
  required?: boolean
  /** Test files that need this service (picomatch globs, relative to the project root). */
  tests?: string[]
  /**
   * How a chaos run (`vitest-heal chaos`, heal()'s `chaos`) breaks a service vitest-heal does not
   * run: argv commands (no shell) per process fault. Given commands win over an owned process's own
   * handling. Default none: process faults on an external service are refused at config time.
   */
  chaos?: ChaosCommands
}

/** The argv of each process fault's command; `pause` needs `resume` (run once the pause ends). */
export interface ChaosCommands {
  kill?: string[]
  stop?: string[]
  restart?: string[]
  pause?: string[]
  resume?: string[]
}

export interface Service {
  readonly name: string
  readonly kind: string
  /** Configuration key, e.g. `services.db`. */
  readonly key: string
  readonly env?: string
  readonly required: boolean
  readonly startTimeoutMs: number
  readonly checkTimeoutMs: number
  readonly recoveries: readonly Recovery[]
  /** Recoveries for a service that is up but full (`relieves: 'saturation'`), apart from `recoveries`. */
  readonly reliefs?: readonly Recovery[]
  readonly tests: readonly string[]
  /** What it points at, secrets redacted, for tables and messages. */
  target(): string
  /** The URL exported through `env` (may hold a password: never print it, print target()). */
  url(): string | undefined
  /** What the classifier needs to blame this service from an error's text. */
  ref(): ServiceRef
  /** One health probe, bounded by checkTimeoutMs. Never throws. */
  probe(): Promise<HealthProbe>
  /** Present when vitest-heal runs the service's process itself. */
  readonly owned?: OwnedLifecycle
  /** The user's chaos commands (`services.<name>.chaos`), when given. */
  readonly chaos?: Readonly<ChaosCommands>
}

/** A process vitest-heal starts, keeps as a child, restarts when it dies and stops at the end. */
export interface OwnedLifecycle {
  /** Starts the process (if not running). Resolves once it is spawned, not once it is healthy. */
  start(): Promise<void>
  /** Stops it (SIGTERM, then SIGKILL after a grace period) and its children. */
  stop(): Promise<void>
  isRunning(): boolean
  /** The last lines of its output, for evidence when it keeps dying. */
  logTail(lines?: number): string
  /** The pid of its main process while it runs: the sampler reads its memory (predict/metrics-proc.ts). */
  pid?(): number | undefined
}

/** The `signal.reason` a recovery sees when its own timeout ran out (not a caller's cancel). */
export const RECOVERY_TIMED_OUT = 'timeout'

export interface RecoveryContext {
  service: Service
  signal: AbortSignal
  /** A status line for the terminal. */
  log(line: string): void
}

export interface Recovery {
  /** Strategy id kept in records and history: `restart`, `command:pg_ctl`, `compose:db`, `custom`. */
  readonly strategy: string
  /** What it does, for status lines and doctor: `pg_ctl -D data start -w`. */
  readonly description: string
  readonly timeoutMs: number
  /** Key path in the options, e.g. `services.db.recover[0]`. */
  readonly key: string
  /**
   * `saturation`: it helps a service that is up but full (PostgreSQL 53300), not one that is down:
   * it runs only then, and never among the recoveries of an outage.
   */
  readonly relieves?: 'saturation'
  /** Checks what can be checked before running (the command exists); throws a HealError naming it. */
  verify?(): Promise<void>
  /** Runs once. Rejects when it failed; the caller then probes health regardless. */
  run(ctx: RecoveryContext): Promise<void>
}

export function isServiceDescriptor(value: unknown): value is ServiceDescriptor {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SERVICE_BRAND] === true
  )
}

export function isRecoveryDescriptor(value: unknown): value is RecoveryDescriptor {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[RECOVERY_BRAND] === true
  )
}
