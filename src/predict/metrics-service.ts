/**
 * One sampler source per service: its own health probe (bounded by its checkTimeout), the metrics
 * of its kind, and the memory of its process tree when vitest-heal owns it.
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
  close?(): Promise<void>
}

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
  return {
    name: service.name,
    timeoutMs: sourceTimeoutMs(service.checkTimeoutMs),
    async read() {
      const probe = await service.probe()
      const reading = probeReading(probe)
      const metrics = { ...reading.metrics, ...(await kind?.read(probe)) }
      const pid = service.owned?.pid?.()
      const rss = pid === undefined ? undefined : await treeRssBytes(pid)
      if (rss !== undefined) metrics['proc.rssBytes'] = rss
      return { ...reading, metrics }
    },
    ...(kind?.close ? { close: () => kind.close!() } : {}),
  }
}
