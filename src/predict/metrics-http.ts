/**
 * HTTP metrics for the sampler: the probe's own latency is already in every service sample; this
 * adds the error rate of the last probes, the share that did not answer healthy.
 */
import type { MetricName } from '../core/prediction.js'
import type { HealthProbe } from '../core/types.js'
import { Ring } from './sampler-ring.js'

/** Ten probes: at the default interval, the last ten seconds. */
const WINDOW = 10

export function httpMetrics(): { read(probe: HealthProbe): Promise<Record<MetricName, number>> } {
  const recent = new Ring<boolean>(WINDOW)
  return {
    async read(probe) {
      recent.push(probe.state !== 'healthy')
      const outcomes = recent.toArray()
      return { 'http.errorRate': outcomes.filter(Boolean).length / outcomes.length }
    },
  }
}
