/**
 * Brings one service back: each recovery in order, each bounded by its timeout, each followed by a
 * bounded wait for health; the first that makes the service healthy ends it. Every attempt becomes
 * a timed, redacted RecoveryRecord, and a status line says what happened.
 */
import type { HealthProbe, RecoveryRecord, RecoveryTrigger } from '../core/types.js'
import { redactSecrets } from '../core/redact.js'
import { errorText } from './build-service.js'
import { systemClock, type Clock } from './clock.js'
import { RECOVERY_TIMED_OUT, type Recovery, type Service } from './types.js'
import { waitUntilHealthy, type WaitResult } from './wait.js'

export interface RecoverServiceOptions {
  trigger: RecoveryTrigger
  /** Receives status lines (`db down — running … healthy in 0.31 s`; the caller adds the `vitest-heal ⟳` prefix). */
  log: (line: string) => void
  /** Wall clock for `startedAt`. */
  now?: () => Date
  /** Monotonic clock for durations and waits. */
  clock?: Clock
  signal?: AbortSignal
  /** How many requests this recovery answers (single-flight joins them). Default 1. */
  requests?: number
  /**
   * The order to try the recoveries in, and why (learned from the history: see
   * history/strategy-order.ts). Default, or when it throws: the configured order.
   */
  order?: (recoveries: readonly Recovery[]) => Promise<readonly OrderedRecovery[]>
}

/** A recovery in the order chosen for it; `reason` (`97% of 34 past attempts`) goes into its record. */
export interface OrderedRecovery {
  recovery: Recovery
  reason?: string
}

export interface RecoverServiceResult {
  healthy: boolean
  records: RecoveryRecord[]
  last: HealthProbe
}

export async function recoverService(
  service: Service,
  options: RecoverServiceOptions,
): Promise<RecoverServiceResult> {
  const clock = options.clock ?? systemClock
  const now = options.now ?? (() => new Date())
  const records: RecoveryRecord[] = []
  const record = (
    recovery: Recovery,
    startedAt: Date,
    durationMs: number,
    ok: boolean,
    error?: string,
  ): void => {
    const reason = reasons.get(recovery)
    records.push({
      service: service.name,
      strategy: recovery.strategy,
      ok,
      trigger: options.trigger,
      startedAt: startedAt.toISOString(),
      durationMs,
      ...(error === undefined ? {} : { error: redactSecrets(error) }),
      requests: options.requests ?? 1,
      ...(reason === undefined ? {} : { reason }),
    })
  }

  const ordered = await chooseOrder(service.recoveries, options)
  const reasons = new Map(ordered.map((o) => [o.recovery, o.reason]))
  const chosen = ordered[0]
  if (chosen?.reason !== undefined)
    options.log(`${service.name}: trying ${chosen.recovery.description} first — ${chosen.reason}`)

  // A recovery that cannot run (its command is missing) is skipped, not allowed to end the others.
  const runnable: Recovery[] = []
  for (const { recovery } of ordered) {
    try {
      await recovery.verify?.()
      runnable.push(recovery)
    } catch (error) {
      record(recovery, now(), 0, false, errorText(error))
      options.log(`${service.name}: cannot run ${recovery.description}: ${errorText(error)}`)
    }
  }

  let last: HealthProbe | undefined
  for (const recovery of runnable) {
    if (options.signal?.aborted) break
    const startedAt = now()
    const t0 = clock.now()
    options.log(`${service.name} down — running ${recovery.description} …`)
    const failure = await runBounded(recovery, service, options, clock)
    const wait = await waitAfter(service, failure, options, clock)
    last = wait.last
    const durationMs = Math.round(clock.now() - t0)
    const took = seconds(durationMs)
    if (wait.healthy) {
      record(recovery, startedAt, durationMs, true)
      options.log(`${service.name} down — running ${recovery.description} … healthy in ${took}`)
      return { healthy: true, records, last }
    }
    const error =
      failure ?? `still ${wait.last.state} after ${took}: ${wait.stoppedBecause ?? wait.last.detail}`
    record(recovery, startedAt, durationMs, false, error)
    options.log(
      `${service.name} down — running ${recovery.description} … failed in ${took}: ${redactSecrets(error)}`,
    )
  }
  return { healthy: false, records, last: last ?? (await service.probe()) }
}

/** The learned order when there is one; a history that cannot be read never stops a recovery. */
async function chooseOrder(
  recoveries: readonly Recovery[],
  options: RecoverServiceOptions,
): Promise<readonly OrderedRecovery[]> {
  const configured = recoveries.map((recovery) => ({ recovery }))
  if (!options.order || recoveries.length === 0) return configured
  try {
    const ordered = await options.order(recoveries)
    // Demoted, never removed: an answer that lost or invented a recovery is not used.
    const same =
      ordered.length === recoveries.length && recoveries.every((r) => ordered.some((o) => o.recovery === r))
    return same ? ordered : configured
  } catch {
    return configured
  }
}

/** Runs one recovery within its timeout; returns why it failed, or undefined when it succeeded. */
async function runBounded(
  recovery: Recovery,
  service: Service,
  options: RecoverServiceOptions,
  clock: Clock,
): Promise<string | undefined> {
  const controller = new AbortController()
  const stopWaiting = new AbortController()
  const onOuterAbort = (): void => controller.abort()
  options.signal?.addEventListener('abort', onOuterAbort, { once: true })
  const ran = Promise.resolve()
    .then(() => recovery.run({ service, signal: controller.signal, log: options.log }))
    .then(
      () => undefined,
      (error: unknown) => errorText(error),
    )
  const timedOut = clock.sleep(recovery.timeoutMs, stopWaiting.signal).then(() => 'timeout' as const)
  try {
    const first = await Promise.race([ran, timedOut])
    if (first !== 'timeout') return first
    controller.abort(RECOVERY_TIMED_OUT)
    // A command reacts to the abort by killing its process group; give it a moment to say so.
    const settled = await Promise.race([ran, clock.sleep(1_000).then(() => undefined)])
    return settled ?? `timed out after ${seconds(recovery.timeoutMs)}`
  } finally {
    stopWaiting.abort()
    options.signal?.removeEventListener('abort', onOuterAbort)
  }
}

/**
 * After a successful recovery, wait up to startTimeout. After a failed one, probe once and wait
 * only if the service is on its way up (57P03): a failed `pg_ctl start -w` may still have started
 * a server that is recovering.
 */
async function waitAfter(
  service: Service,
  failure: string | undefined,
  options: RecoverServiceOptions,
  clock: Clock,
): Promise<WaitResult> {
  const owned = service.owned
  const giveUp = owned ? () => (owned.isRunning() ? undefined : 'its process exited') : undefined
  const full = (): Promise<WaitResult> =>
    waitUntilHealthy(service, {
      timeoutMs: service.startTimeoutMs,
      clock,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(giveUp ? { giveUp } : {}),
    })
  if (failure === undefined) return full()
  const probe = await service.probe()
  if (probe.state === 'starting') return full()
  return { healthy: probe.state === 'healthy', elapsedMs: probe.latencyMs, probes: 1, last: probe }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`
}
