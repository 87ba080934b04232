/**
 * Waiting for a service to become healthy: a bounded poll with exponential backoff. A service that
 * says `starting` (PostgreSQL 57P03 during crash recovery) is waited for like one that is down, never
 * treated as failed early; the caller decides what an unhealthy result means.
 */
import type { HealthProbe } from '../core/types.js'
import { redactSecrets } from '../core/redact.js'
import { systemClock, type Clock } from './clock.js'

export interface WaitOptions {
  timeoutMs: number
  signal?: AbortSignal
  clock?: Clock
  /** First pause between probes; doubles up to `maxDelayMs`. Default 25 ms. */
  initialDelayMs?: number
  /** Default 1 000 ms. */
  maxDelayMs?: number
  /** Checked after every failed probe: a reason to stop waiting at once (the process exited). */
  giveUp?: () => string | undefined
}

export interface WaitResult {
  healthy: boolean
  elapsedMs: number
  probes: number
  /** The last answer a probe gave, or a synthetic `down` one when none answered within the wait. */
  last: HealthProbe
  /** Why it stopped before the timeout: `aborted`, or the `giveUp` reason. */
  stoppedBecause?: string
}

export function waitUntilHealthy(
  service: { probe(): Promise<HealthProbe> },
  options: WaitOptions,
): Promise<WaitResult> {
  return pollUntilHealthy(() => service.probe(), options)
}

export async function pollUntilHealthy(
  probe: () => Promise<HealthProbe>,
  options: WaitOptions,
): Promise<WaitResult> {
  const clock = options.clock ?? systemClock
  const maxDelay = options.maxDelayMs ?? 1_000
  let delay = options.initialDelayMs ?? 25
  const startedAt = clock.now()
  const elapsed = (): number => Math.round(clock.now() - startedAt)
  const remaining = (): number => options.timeoutMs - (clock.now() - startedAt)
  let probes = 0
  let last: HealthProbe = { state: 'down', detail: 'not probed yet', latencyMs: 0 }
  const result = (healthy: boolean, stoppedBecause?: string): WaitResult => ({
    healthy,
    elapsedMs: elapsed(),
    probes,
    last,
    ...(stoppedBecause === undefined ? {} : { stoppedBecause }),
  })

  for (;;) {
    if (options.signal?.aborted) return result(false, 'aborted')
    const answer = await probeWithin(probe, Math.max(0, remaining()), clock, options.signal)
    if (answer === undefined) {
      // The probe that meets the deadline usually has almost no time left: what the service said
      // before it (57P03, `not ready: …`) explains the failure better than that cut-off probe.
      if (probes === 0) {
        last = {
          state: 'down',
          detail: `no answer within the ${options.timeoutMs} ms wait`,
          latencyMs: elapsed(),
        }
      }
      return result(false, options.signal?.aborted ? 'aborted' : undefined)
    }
    probes++
    last = answer
    if (answer.state === 'healthy') return result(true)
    const reason = options.giveUp?.()
    if (reason !== undefined) return result(false, reason)
    if (remaining() <= 0) return result(false)
    await clock.sleep(Math.min(delay, remaining()), options.signal)
    delay = Math.min(delay * 2, maxDelay)
  }
}

/** The probe's answer, or undefined when the wait's time (or the signal) ran out first. */
async function probeWithin(
  probe: () => Promise<HealthProbe>,
  budgetMs: number,
  clock: Clock,
  signal: AbortSignal | undefined,
): Promise<HealthProbe | undefined> {
  const settled = new AbortController()
  const stop = signal === undefined ? settled.signal : AbortSignal.any([settled.signal, signal])
  const answer = probe().catch((error: unknown): HealthProbe => ({
    state: 'down',
    detail: redactSecrets(`probe threw: ${String(error)}`),
    latencyMs: 0,
  }))
  try {
    return await Promise.race([answer, clock.sleep(budgetMs, stop).then(() => undefined)])
  } finally {
    settled.abort()
  }
}
