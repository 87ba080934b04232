/**
 * The host's sample: load against cores, free memory, free disk of the temp and report dirs, the
 * main process's event-loop delay (a loaded main process delays every worker's heal request) and
 * its own memory. Cheap reads only: os counters, two statfs calls and a histogram.
 */
import { availableParallelism, freemem, loadavg, tmpdir, totalmem } from 'node:os'
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import type { MetricName } from '../core/prediction.js'
import { diskSpace } from './metrics-proc.js'
import type { SampleSource } from './sampler.js'

const NS_PER_MS = 1e6

export function hostSource(options: { reportDir: string; timeoutMs: number }): SampleSource {
  // The histogram samples every 20 ms on a libuv timer: finer costs CPU for no better forecast.
  let delay: IntervalHistogram | undefined
  return {
    name: 'host',
    timeoutMs: options.timeoutMs,
    async read() {
      const metrics: Record<MetricName, number> = {
        'host.load1': loadavg()[0] ?? 0,
        'host.cores': availableParallelism(),
        'host.freeMemBytes': freemem(),
        'host.totalMemBytes': totalmem(),
        'host.rssBytes': process.memoryUsage.rss(),
      }
      if (delay === undefined) {
        delay = monitorEventLoopDelay({ resolution: 20 })
        delay.enable()
      } else if (delay.count > 0) {
        // Since the last tick: p99 is what a request waits in a bad moment, max the worst one.
        metrics['host.eventLoopDelayMs'] = delay.percentile(99) / NS_PER_MS
        metrics['host.eventLoopDelayMaxMs'] = delay.max / NS_PER_MS
        delay.reset()
      }
      for (const [prefix, dir] of [
        ['tmp', tmpdir()],
        ['reportDir', options.reportDir],
      ] as const) {
        const disk = await diskSpace(dir)
        if (disk === undefined) continue
        metrics[`${prefix}.freeBytes`] = disk.freeBytes
        metrics[`${prefix}.totalBytes`] = disk.totalBytes
      }
      return { metrics }
    },
    async close() {
      delay?.disable()
      delay = undefined
    },
  }
}
