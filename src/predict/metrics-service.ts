/**
 * One sampler source per service: its own health probe (bounded by its checkTimeout), the metrics
 * of its kind, and the memory of its process tree when vitest-heal owns it.
 *
 * A PostgreSQL probe opens a fresh connection (a backend fork on the server: ~10 ms of CPU there,
 * ~2.5 ms here, measured by bench/sampler.mjs), the largest part of the sampler's cost. While our
 * kept stats connection answers, the server is up: the full probe then runs only every
 * FULL_PROBE_EVERY ticks (a new client's view: refused, saturated, auth), and at once when that
 * connection fails — a killed server breaks it, so an outage is seen as soon as with a probe each tick.
 */
import type { MetricName } from '../core/prediction.js'
import type { HealthProbe } from '../core/types.js'
import type { Service } from '../services/types.js'
import { httpMetrics } from './metrics-http.js'
import { postgresMetrics } from './metrics-postgres.js'
import { treeRssBytes } from './metrics-proc.js'
import { probeReading, sourceTimeoutMs } from './metrics-probe.js'
import { webdriverMetrics } from './metrics-webdriver.js'
import type { SampleSource } from './sampler.js'

interface KindMetrics {
  read(probe: HealthProbe): Promise<Record<MetricName, number>>
  /** A connection of ours answers: the server is up without a full probe. */
  answering?(): boolean
  close?(): Promise<void>
}

/** At the default interval, a new client's view of the server every 5 s. */
export const FULL_PROBE_EVERY = 5

function kindMetrics(service: Service): KindMetrics | undefined {
  const timeoutMs = service.checkTimeoutMs
  switch (service.kind) {
    case 'postgres':
      return postgresMetrics({ url: () => service.url(), host: () => service.ref().host, timeoutMs })
    case 'http':
      return httpMetrics()
    case 'webdriver':
      return webdriverMetrics({ url: () => service.url(), timeoutMs })
    default:
      return undefined
  }
}

export function serviceSource(service: Service): SampleSource {
  const kind = kindMetrics(service)
  let tick = 0
  const ownRss = (): Record<MetricName, number> => {
    const pid = service.owned?.pid?.()
    const rss = pid === undefined ? undefined : treeRssBytes(pid)
    return rss === undefined ? {} : { 'proc.rssBytes': rss }
  }
  return {
    name: service.name,
    timeoutMs: sourceTimeoutMs(service.checkTimeoutMs),
    async read() {
      if (tick++ % FULL_PROBE_EVERY !== 0 && kind?.answering?.()) {
        const answered = await kind.read({ state: 'healthy', detail: 'kept connection', latencyMs: 0 })
        if (kind.answering()) {
          return { metrics: { 'probe.down': 0, 'probe.starting': 0, ...answered, ...ownRss() } }
        }
      }
      const probe = await service.probe()
      const reading = probeReading(probe)
      const metrics = { ...reading.metrics, ...(await kind?.read(probe)), ...ownRss() }
      return { ...reading, metrics }
    },
    ...(kind?.close ? { close: () => kind.close!() } : {}),
  }
}
