/**
 * Whether a service had an outage that came back during the run, read from the run's recovery
 * records and health timeline. The second pass needs it: a module that failed as infra in pass 1
 * and passed in pass 2 is `healed` only when its service really was down and recovered in between
 * (docs/classification.md); a pass on a re-run with no outage found is `flaky`.
 */
import type { HealthEvent, TryRecovery } from './report.js'
import type { RecoveryRecord } from './types.js'

/** The coordinator's timeline detail when another vitest process on the host recovered the service. */
export const BACK_BY_ANOTHER_PROCESS = 'recovered by another vitest process'
/** The coordinator's timeline detail when a service found starting came back on its own. */
export const BACK_BY_ITSELF = 'came back without a recovery'

const UNHEALTHY = new Set<HealthEvent['state']>(['down', 'starting', 'recovering'])

/**
 * The first outage of `service` (any service when undefined: infra with nobody blamed) that a
 * recovery of this run ended, or that another process or the service itself ended. Pre-flight starts
 * are no outage: a service not started yet was never down under a test.
 */
export function recoveryInRun(
  service: string | undefined,
  records: readonly RecoveryRecord[],
  timeline: readonly HealthEvent[],
): TryRecovery | undefined {
  const fits = (name: string) => service === undefined || name === service
  const record = records.find(
    (r) => r.ok && fits(r.service) && r.trigger !== 'preflight' && r.trigger !== 'doctor',
  )
  if (record) {
    const endsAt = Date.parse(record.startedAt) + record.durationMs
    const downAt = timeline.findLast(
      (e) =>
        e.service === record.service &&
        UNHEALTHY.has(e.state) &&
        Date.parse(e.at) <= Date.parse(record.startedAt),
    )?.at
    return {
      service: record.service,
      by: 'this run',
      strategy: record.strategy,
      durationMs: Math.round(record.durationMs),
      ...(downAt ? { downAt } : {}),
      healthyAt: new Date(endsAt).toISOString(),
    }
  }
  for (const [index, event] of timeline.entries()) {
    if (event.state !== 'healthy' || !fits(event.service)) continue
    const by =
      event.detail === BACK_BY_ANOTHER_PROCESS
        ? 'another process'
        : event.detail === BACK_BY_ITSELF
          ? 'itself'
          : undefined
    if (!by) continue
    const downAt = timeline
      .slice(0, index)
      .findLast((e) => e.service === event.service && UNHEALTHY.has(e.state))?.at
    return { service: event.service, by, ...(downAt ? { downAt } : {}), healthyAt: event.at }
  }
  return undefined
}

/**
 * Before the first `down` event: an error thrown by the outage itself (a connection reset at the
 * instant a server is killed) comes before any probe has seen the service down.
 */
export const OUTAGE_LEAD_MS = 3_000

/**
 * The one service that was unhealthy at `at` (epoch ms), counting from OUTAGE_LEAD_MS before each of
 * its outages to the moment it was healthy again; undefined when none was, or more than one (then
 * the time alone cannot say whose outage it was).
 */
export function serviceDownAt(at: number, timeline: readonly HealthEvent[]): string | undefined {
  const down = new Set<string>()
  const since = new Map<string, number>()
  for (const event of timeline) {
    const time = Date.parse(event.at)
    if (UNHEALTHY.has(event.state)) {
      if (!since.has(event.service)) since.set(event.service, time)
      continue
    }
    if (event.state !== 'healthy') continue
    const from = since.get(event.service)
    since.delete(event.service)
    if (from !== undefined && at >= from - OUTAGE_LEAD_MS && at <= time) down.add(event.service)
  }
  // An outage that never ended (the service was broken) lasts to the end of the run.
  for (const [service, from] of since) if (at >= from - OUTAGE_LEAD_MS) down.add(service)
  return down.size === 1 ? [...down][0] : undefined
}
