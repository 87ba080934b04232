/**
 * The main-process healer. Workers report infra failures; the coordinator recovers each outage
 * once (single flight), never at the same time as another vitest process on the host (host lock),
 * and stops recovering a service that keeps dying (circuit breaker). It works against a small
 * service interface so it can be tested without PostgreSQL.
 */
import {
  admitRecovery,
  createBreaker,
  openBreaker,
  recordRecovery,
  type BreakerPolicy,
  type BreakerState,
} from '../core/breaker.js'
import { BACK_BY_ANOTHER_PROCESS, BACK_BY_ITSELF } from '../core/recovery-evidence.js'
import { redactSecrets } from '../core/redact.js'
import type { HealthEvent, TryRecovery } from '../core/report.js'
import type { HealthProbe, RecoveryRecord, RecoveryTrigger } from '../core/types.js'
import { pollUntilHealthy } from '../services/wait.js'
import { withHostLock, type HostLockOptions } from './host-lock.js'
import type { ChannelHandler, ServiceStatus } from './messages.js'
import { createSingleFlight } from './single-flight.js'

export interface HealableService {
  /** One bounded health probe; never throws. */
  probe(): Promise<HealthProbe>
  /** Runs the service's recoveries in order until one makes it healthy. */
  recover(trigger: RecoveryTrigger): Promise<{ healthy: boolean; records: RecoveryRecord[] }>
  /** The end of an owned service's output: the evidence when its breaker opens. */
  logTail?(): string
  /** Runs the service's reliefs when it is up but full (saturated); absent when it has none. */
  relieve?(trigger: RecoveryTrigger): Promise<RecoveryRecord[]>
  /**
   * Names the service across processes for the host lock: the same for every vitest run that
   * shares it, e.g. its host and port (hostLockKey()); a function when it is known only once the
   * service runs. Default: the service's name.
   */
  lockKey?: string | (() => string)
}

export interface CoordinatorOptions {
  services: ReadonlyMap<string, HealableService>
  /** Default: 3 recoveries within 5 minutes. */
  breakerPolicy?: BreakerPolicy
  /** Take the host lock around each recovery. Default true; an object tunes it. */
  hostLock?: boolean | Partial<HostLockOptions>
  /** Wall clock in epoch ms: failure times from workers are compared with it. Default Date.now. */
  now?: () => number
  /** Every health change, for live status lines. A throwing listener is ignored. */
  onEvent?: (event: HealthEvent) => void
  /** How long a service that says `starting` is waited for before it counts as down. Default 30 s. */
  startingTimeoutMs?: number
  /**
   * A lock across machines taken inside the host lock around each recovery (history/fleet-lock.ts,
   * when the history is a shared PostgreSQL): `fn` learns whether another holder came first.
   */
  fleetLock?: <T>(key: string, fn: (contended: boolean) => Promise<T>) => Promise<T>
}

export interface HealResult {
  healthy: boolean
  /**
   * The service was found down and a recovery ran, here or in another vitest process on the host.
   * False with `healthy` true means the first probe found it healthy: the failure was no outage.
   */
  recovered: boolean
  /**
   * The service was not healthy when the coordinator looked (or another process had to recover
   * it): the failure belonged to an outage. This, not `recovered`, confirms an infra verdict.
   */
  outage: boolean
  code?: 'E_CIRCUIT_OPEN' | 'E_RECOVERY_FAILED'
  error?: string
  recoveryId?: number
  /**
   * The service answered but is full (PostgreSQL 53300): no outage, nothing restarted. Its probe's
   * detail, with the connection count when it could be read.
   */
  saturated?: string
  /**
   * The evidence a `healed` test carries (report.json `tries[].recovery`): set only when the service
   * was found unhealthy and is healthy again, saying who brought it back and when it was down.
   */
  recovery?: TryRecovery
}

export interface Coordinator {
  heal(
    service: string,
    failure: { failedAt: number; trigger: RecoveryTrigger; evidence?: string },
  ): Promise<HealResult>
  /** Resolves once every listed service is healthy again, broken, or the time is up. */
  waitHealthy(services: readonly string[], timeoutMs: number): Promise<{ ok: boolean; unhealthy: string[] }>
  isBroken(service: string): boolean
  /** A recovery of the service is in flight (joining it would only count one more request). */
  isHealing(service: string): boolean
  /** Why the service's breaker opened (count and last evidence), or null. */
  brokenReason(service: string): string | null
  records(): RecoveryRecord[]
  timeline(): HealthEvent[]
  status(): ServiceStatus[]
}

/** What one outage's single flight hands to every request that joins or reuses it. */
interface Outage {
  result: HealResult
  records: RecoveryRecord[]
}

const DEFAULT_STARTING_TIMEOUT_MS = 30_000
/** Long enough for another process's recovery (start timeouts are 30 s by default) to finish. */
const DEFAULT_LOCK_TIMEOUT_MS = 60_000

function errorText(error: unknown): string {
  return redactSecrets(error instanceof Error ? error.message : String(error))
}

export function createCoordinator(options: CoordinatorOptions): Coordinator {
  const now = options.now ?? Date.now
  const flight = createSingleFlight<Outage>(now)
  const breakers = new Map<string, BreakerState>()
  const states = new Map<string, HealthEvent['state']>()
  const events: HealthEvent[] = []
  const allRecords: RecoveryRecord[] = []
  const lock = options.hostLock ?? true
  const lockOptions: HostLockOptions = {
    timeoutMs: DEFAULT_LOCK_TIMEOUT_MS,
    ...(typeof lock === 'object' ? lock : {}),
  }

  function breaker(service: string): BreakerState {
    let state = breakers.get(service)
    if (!state) {
      state = createBreaker(service, options.breakerPolicy)
      breakers.set(service, state)
    }
    return state
  }

  function emit(service: string, state: HealthEvent['state'], detail?: string): void {
    states.set(service, state)
    const event: HealthEvent = {
      service,
      at: new Date(now()).toISOString(),
      state,
      ...(detail === undefined ? {} : { detail: redactSecrets(detail) }),
    }
    events.push(event)
    try {
      options.onEvent?.(event)
    } catch {
      // A status line that failed to print must not stop a recovery.
    }
  }

  function circuitOpen(service: string): HealResult {
    return {
      healthy: false,
      recovered: false,
      outage: true,
      code: 'E_CIRCUIT_OPEN',
      error: breaker(service).reason ?? service,
    }
  }

  function settled(result: HealResult, records: RecoveryRecord[] = []): Outage {
    return { result, records }
  }

  /** A service that says `starting` (PostgreSQL in crash recovery) is waited for, not recovered. */
  async function waitOutStarting(service: HealableService): Promise<{ healthy: boolean; detail: string }> {
    const waited = await pollUntilHealthy(() => service.probe(), {
      timeoutMs: options.startingTimeoutMs ?? DEFAULT_STARTING_TIMEOUT_MS,
    })
    return { healthy: waited.healthy, detail: waited.last.detail }
  }

  async function isHealthyNow(service: HealableService): Promise<boolean> {
    const probe = await service.probe()
    return (
      probe.state === 'healthy' || (probe.state === 'starting' && (await waitOutStarting(service)).healthy)
    )
  }

  async function runRecovery(
    name: string,
    service: HealableService,
    trigger: RecoveryTrigger,
  ): Promise<{ healthy: boolean; records: RecoveryRecord[]; reusedOther: boolean }> {
    const run = async (contended: boolean) => {
      // Another vitest process held the lock: it may have healed the service for us.
      if (contended && (await isHealthyNow(service))) {
        return { healthy: true, records: [], reusedOther: true }
      }
      return { ...(await service.recover(trigger)), reusedOther: false }
    }
    const key = typeof service.lockKey === 'function' ? service.lockKey() : (service.lockKey ?? name)
    const fleetLock = options.fleetLock
    const locked = fleetLock
      ? (contended: boolean) => fleetLock(key, (other) => run(contended || other))
      : run
    if (lock === false) return locked(false)
    return withHostLock(`service:${key}`, (held) => locked(held.contended), lockOptions)
  }

  async function recoverOutage(
    name: string,
    service: HealableService,
    trigger: RecoveryTrigger,
    evidence: string | undefined,
  ): Promise<Outage> {
    const first = await service.probe()
    // A full service is not a dead one: restarting it would kill every client, the failing test's too.
    // Only its reliefs (ending idle connections) run, when configured.
    if (first.state === 'healthy') {
      const relief = first.saturated && service.relieve ? await service.relieve(trigger) : []
      allRecords.push(...relief)
      return settled(
        {
          healthy: true,
          recovered: false,
          outage: false,
          ...(first.saturated ? { saturated: first.detail } : {}),
        },
        relief,
      )
    }
    emit(name, first.state, evidence ?? first.detail)
    const downAt = events.at(-1)!.at
    const backUp = (by: TryRecovery['by'], record?: RecoveryRecord): TryRecovery => ({
      service: name,
      by,
      ...(record ? { strategy: record.strategy, durationMs: Math.round(record.durationMs) } : {}),
      downAt,
      // Called right after the `healthy` event: the report's window matches the timeline's.
      healthyAt: events.at(-1)?.at ?? new Date(now()).toISOString(),
    })
    if (first.state === 'starting') {
      const waited = await waitOutStarting(service)
      if (waited.healthy) {
        emit(name, 'healthy', BACK_BY_ITSELF)
        return settled({ healthy: true, recovered: false, outage: true, recovery: backUp('itself') })
      }
      emit(name, 'down', waited.detail)
    }
    const admitted = admitRecovery(breaker(name), now(), service.logTail?.() ?? evidence ?? first.detail)
    breakers.set(name, admitted)
    if (admitted.open) {
      emit(name, 'broken', admitted.reason ?? undefined)
      return settled(circuitOpen(name))
    }

    emit(name, 'recovering', first.detail)
    let outcome: { healthy: boolean; records: RecoveryRecord[]; reusedOther: boolean }
    let threw = false
    try {
      outcome = await runRecovery(name, service, trigger)
    } catch (error) {
      outcome = { healthy: false, records: [], reusedOther: false }
      evidence = errorText(error)
      threw = true
    }
    allRecords.push(...outcome.records)
    const failedRecord = [...outcome.records].reverse().find((r) => !r.ok)
    const lastEvidence = service.logTail?.() ?? failedRecord?.error ?? evidence ?? first.detail
    // Nothing ran (no recovery configured, e.g. a `required: false` service): say that, not "every strategy failed".
    const noneRan = !threw && !outcome.healthy && !outcome.reusedOther && outcome.records.length === 0
    if (noneRan) {
      breakers.set(
        name,
        openBreaker(
          breaker(name),
          now(),
          `${name}: down, and no recovery is configured for it`,
          lastEvidence,
        ),
      )
    } else if (!outcome.reusedOther) {
      breakers.set(
        name,
        recordRecovery(breaker(name), { at: now(), ok: outcome.healthy, evidence: lastEvidence }),
      )
    }

    if (outcome.healthy) {
      emit(name, 'healthy', outcome.reusedOther ? BACK_BY_ANOTHER_PROCESS : 'recovered')
      const recovery = outcome.reusedOther
        ? backUp('another process')
        : backUp(
            'this run',
            outcome.records.findLast((r) => r.ok),
          )
      return settled({ healthy: true, recovered: true, outage: true, recovery }, outcome.records)
    }
    const reason = breaker(name).reason ?? `${name}: recovery failed`
    emit(name, breaker(name).open ? 'broken' : 'down', reason)
    return settled(
      { healthy: false, recovered: !noneRan, outage: true, code: 'E_RECOVERY_FAILED', error: reason },
      outcome.records,
    )
  }

  return {
    async heal(name, failure) {
      const service = options.services.get(name)
      if (!service) {
        return {
          healthy: false,
          recovered: false,
          outage: false,
          error: `vitest-heal: no service named "${name}"`,
        }
      }
      if (breaker(name).open) return circuitOpen(name)
      const recover = () => recoverOutage(name, service, failure.trigger, failure.evidence)
      let answer = await flight.request(name, failure, recover)
      // A finished look that found the service healthy says nothing about a failure seen since it
      // started: look again (or join the look in flight) instead of reusing "no outage".
      if (answer.role === 'reused' && !answer.value.result.outage)
        answer = await flight.request(name, { failedAt: Number.MAX_SAFE_INTEGER }, recover)
      // Every record of the recovery says how many requests it answered, late reusers included.
      for (const record of answer.value.records) record.requests = Math.max(record.requests, answer.requests)
      return { ...answer.value.result, recoveryId: answer.recoveryId }
    },

    async waitHealthy(names, timeoutMs) {
      let timer: ReturnType<typeof setTimeout> | undefined
      const timeUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))
      try {
        await Promise.race([Promise.all(names.map((n) => flight.settled(n))), timeUp])
      } finally {
        clearTimeout(timer)
      }
      // Without a recovery in flight a service is assumed healthy: probing before every test
      // would cost more than the failures it saves, and a failure starts a recovery anyway.
      const unhealthy = names.filter((n) => breaker(n).open || flight.inFlight(n) || states.get(n) === 'down')
      return { ok: unhealthy.length === 0, unhealthy }
    },

    isBroken: (name) => breaker(name).open,
    isHealing: (name) => flight.inFlight(name),
    brokenReason: (name) => breaker(name).reason,
    records: () => allRecords.map((r) => ({ ...r })),
    timeline: () => events.map((e) => ({ ...e })),
    status: () =>
      [...options.services.keys()].map((service) => {
        const b = breaker(service)
        return {
          service,
          state: states.get(service) ?? 'unknown',
          broken: b.open,
          ...(b.reason === null ? {} : { reason: b.reason }),
        }
      }),
  }
}

/** Answers the workers' channel requests with the coordinator. */
export function coordinatorHandler(coordinator: Coordinator): ChannelHandler {
  return {
    async heal(request) {
      const result = await coordinator.heal(request.service, {
        failedAt: request.failedAt,
        trigger: 'inline',
        ...(request.evidence === undefined ? {} : { evidence: request.evidence }),
      })
      return { ok: result.error === undefined, ...result }
    },
    waitHealthy: (request) => coordinator.waitHealthy(request.services, request.timeoutMs),
    status: async () => ({ ok: true, services: coordinator.status() }),
  }
}
