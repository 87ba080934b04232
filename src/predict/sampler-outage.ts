/**
 * An outage the sampler sees is acted on at once (issue 14): tests stuck on a dead connection in a
 * hook would otherwise keep a killed service down until one of them times out and asks for a
 * recovery (~100 s with long hook timeouts).
 *
 * "Down" must be seen on two ticks in a row: a single failed probe on a loaded machine is not an
 * outage, and a worker that met the outage asks within milliseconds anyway, so the sampler acts
 * only where nobody else did (within one interval either way).
 *
 * One outage at a time, the first declared service first: services are declared in dependency order
 * (pre-flight starts them so), and an app whose health check reads the database says 503 while the
 * database is down. Restarting it too would be a needless restart: while any service is being
 * healed nothing else is started, and only two down samples both taken after that recovery ended
 * count. A service being healed already, or declared broken, is left to the coordinator: the
 * sampler never joins a recovery as one more request.
 */
import type { Sample } from '../core/prediction.js'
import type { Sampler } from './sampler.js'

export interface OutageWatchOptions {
  /** The services whose outages are acted on (not `host`), in declaration order. */
  services: readonly string[]
  /** A recovery is in flight for the service, or its breaker is open: nothing to start. */
  busy(service: string): boolean
  /** Starts the recovery (the session's heal, trigger `sampler`). Its rejection is ignored. */
  act(service: string, evidence: string): Promise<unknown>
}

export interface OutageWatch {
  /** Stops acting; resolves once the actions already started have settled. */
  stop(): Promise<void>
}

export function watchOutages(sampler: Sampler, options: OutageWatchOptions): OutageWatch {
  const watched = new Set(options.services)
  let acting: Promise<unknown> | undefined
  /** Sample time of the last tick during which some service was being healed. */
  let busySince = -Infinity
  let stopped = false

  /** The last two samples of `service`, when both say down and both came after the last recovery. */
  function confirmedDown(service: string): [Sample, Sample] | undefined {
    const [previous, last] = sampler.recent(service).slice(-2)
    if (previous === undefined || last === undefined || previous.at <= busySince) return undefined
    return previous.metrics['probe.down'] === 1 && last.metrics['probe.down'] === 1
      ? [previous, last]
      : undefined
  }

  const unsubscribe = sampler.onSample((sample: Sample) => {
    if (stopped || !watched.has(sample.source)) return
    if (acting !== undefined || options.services.some((s) => options.busy(s))) {
      busySince = Math.max(busySince, sample.at)
      return
    }
    if (sample.metrics['probe.down'] !== 1) return
    for (const service of options.services) {
      const down = confirmedDown(service)
      if (down === undefined) continue
      const [previous, last] = down
      const seconds = ((last.at - previous.at) / 1000).toFixed(1)
      const evidence = `the sampler's probe found it down twice, ${seconds} s apart: ${last.detail ?? 'down'}`
      busySince = Math.max(busySince, sample.at)
      acting = Promise.resolve()
        .then(() => options.act(service, evidence))
        .catch(() => undefined)
        .finally(() => (acting = undefined))
      return
    }
  })

  return {
    async stop() {
      stopped = true
      unsubscribe()
      await acting
    },
  }
}
