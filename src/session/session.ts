/**
 * One healing session per Vitest project in the main process: the resolved options, the owned
 * services to stop at the end, and every recovery record of the run.
 */
import type { ResolvedOptions } from '../config.js'
import type { RecoveryRecord } from '../core/types.js'
import { preflightError, runPreflight, type PreflightResult } from './preflight.js'
import { createStatusSink, type StatusSink } from './status.js'

export class HealSession {
  readonly options: ResolvedOptions
  readonly status: StatusSink
  readonly records: RecoveryRecord[] = []
  preflightResult: PreflightResult | undefined
  private preflightPromise: Promise<void> | undefined

  constructor(options: ResolvedOptions, status?: StatusSink) {
    this.options = options
    this.status = status ?? createStatusSink({ enabled: options.status })
  }

  /** Runs once per session, however many projects or global setups ask for it. */
  preflight(): Promise<void> {
    this.preflightPromise ??= this.runPreflightOnce()
    return this.preflightPromise
  }

  private async runPreflightOnce(): Promise<void> {
    const { services } = this.options
    if (!this.options.preflight || services.length === 0) return
    const result = await runPreflight(services, { status: this.status })
    this.preflightResult = result
    this.records.push(...result.records)
    if (!result.ok) throw preflightError(result, services)
  }

  /** Stops the services this session owns, last started first. */
  async teardown(): Promise<void> {
    for (const service of [...this.options.services].reverse()) {
      try {
        await service.owned?.stop()
      } catch (error) {
        this.status.line('warn', `${service.name} did not stop cleanly: ${(error as Error).message}`)
      }
    }
  }
}

/**
 * The plugin's config module and the global-setup module are loaded by different module loaders,
 * so module-level state is not shared between them: the registry lives on globalThis.
 */
const REGISTRY = Symbol.for('vitest-heal.sessions')

type Registry = WeakMap<object, HealSession>

function registry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>
  holder[REGISTRY] ??= new WeakMap()
  return holder[REGISTRY]
}

export function registerSession(owner: object, session: HealSession): void {
  registry().set(owner, session)
}

export function findSession(owner: object): HealSession | undefined {
  return registry().get(owner)
}
