/**
 * WebDriver metrics for the sampler: `/status` latency is the probe's; the session count comes from
 * `GET /sessions` when the driver answers it (chromedriver does, with `value: [...]`). A driver that
 * does not (404, or another shape) is not asked again.
 */
import type { MetricName } from '../core/prediction.js'
import type { HealthProbe } from '../core/types.js'
import { httpGet } from '../services/http-get.js'

export function webdriverMetrics(options: { url: () => string | undefined; timeoutMs: number }): {
  read(probe: HealthProbe): Promise<Record<MetricName, number>>
} {
  let answers = true
  return {
    async read(probe): Promise<Record<MetricName, number>> {
      const base = options.url()
      if (!answers || probe.state !== 'healthy' || base === undefined) return {}
      try {
        const url = new URL(`${new URL(base).pathname.replace(/\/+$/, '')}/sessions`, base)
        const { status, body } = await httpGet(url, options.timeoutMs)
        const value = status === 200 ? (JSON.parse(body) as { value?: unknown }).value : undefined
        if (!Array.isArray(value)) {
          answers = false
          return {}
        }
        return { 'webdriver.sessions': value.length }
      } catch {
        return {}
      }
    },
  }
}
