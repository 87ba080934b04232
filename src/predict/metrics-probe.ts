/** The metrics every service's sample starts with: what its own health probe said, and how fast. */
import type { MetricName } from '../core/prediction.js'
import type { HealthProbe } from '../core/types.js'
import type { SampleReading } from './sampler.js'

export function probeReading(probe: HealthProbe): SampleReading & { metrics: Record<MetricName, number> } {
  return {
    metrics: {
      'probe.latencyMs': probe.latencyMs,
      'probe.down': probe.state === 'down' ? 1 : 0,
      'probe.starting': probe.state === 'starting' ? 1 : 0,
    },
    ...(probe.state === 'healthy' ? {} : { detail: probe.detail }),
  }
}

/** A service sample's timeout: its probe's, plus the time its other reads may take after it. */
export function sourceTimeoutMs(checkTimeoutMs: number): number {
  return checkTimeoutMs * 2
}
