/**
 * An outage the sampler sees is acted on at once (issue 14): tests stuck on a dead connection in a
 * hook would otherwise keep a killed service down until one of them times out and asks for a
 * recovery (~100 s with long hook timeouts).
 *
 * "Down" must be seen on two ticks in a row: a single failed probe on a loaded machine is not an
 * outage, and a worker that met the outage asks within milliseconds anyway, so the sampler acts
 * only where nobody else did (within one interval either way). A service being healed already, or
 * declared broken, is left to the coordinator: the sampler never joins a recovery as one more request.
 */
import type { Sample } from '../core/prediction.js'
import type { Sampler } from './sampler.js'

export interface OutageWatchOptions {
  /** The services whose outages are acted on (not `host`). */
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
  const acting = new Map<string, Promise<unknown>>()
  let stopped = false

  const unsubscribe = sampler.onSample((sample: Sample) => {
    if (stopped || !watched.has(sample.source) || sample.metrics['probe.down'] !== 1) return
    if (acting.has(sample.source) || options.busy(sample.source)) return
    const previous = sampler.recent(sample.source).at(-2)
    if (previous?.metrics['probe.down'] !== 1) return
    const seconds = ((sample.at - previous.at) / 1000).toFixed(1)
    const evidence = `the sampler's probe found it down twice, ${seconds} s apart: ${sample.detail ?? 'down'}`
    const action = Promise.resolve()
      .then(() => options.act(sample.source, evidence))
      .catch(() => undefined)
      .finally(() => acting.delete(sample.source))
    acting.set(sample.source, action)
  })

  return {
    async stop() {
      stopped = true
      unsubscribe()
      await Promise.all(acting.values())
    },
  }
}
