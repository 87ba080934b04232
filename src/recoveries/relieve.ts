/**
 * Runs a service's reliefs (recoveries with `relieves: 'saturation'`, such as pgTerminateIdle())
 * when the service is up but full: each in order, each bounded by its timeout, until one works.
 * No wait for health follows: a full server answers, and the retry that follows is the check.
 */
import { redactSecrets } from '../core/redact.js'
import type { RecoveryRecord, RecoveryTrigger } from '../core/types.js'
import { errorText } from '../services/build-service.js'
import { RECOVERY_TIMED_OUT, type Recovery, type Service } from '../services/types.js'

export async function relieveService(
  service: Service,
  reliefs: readonly Recovery[],
  options: { trigger: RecoveryTrigger; log: (line: string) => void },
): Promise<RecoveryRecord[]> {
  const records: RecoveryRecord[] = []
  for (const relief of reliefs) {
    const startedAt = new Date()
    const t0 = performance.now()
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(RECOVERY_TIMED_OUT), relief.timeoutMs)
    let error: string | undefined
    try {
      options.log(`${service.name} saturated — running ${relief.description} …`)
      await Promise.race([
        relief.run({ service, signal: controller.signal, log: options.log }),
        new Promise<never>((_, reject) =>
          controller.signal.addEventListener('abort', () =>
            reject(new Error(`timed out after ${relief.timeoutMs} ms`)),
          ),
        ),
      ])
    } catch (caught) {
      error = errorText(caught)
    } finally {
      clearTimeout(timer)
    }
    records.push({
      service: service.name,
      strategy: relief.strategy,
      ok: error === undefined,
      trigger: options.trigger,
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - t0),
      ...(error === undefined ? {} : { error: redactSecrets(error) }),
      requests: 1,
    })
    if (error === undefined) break
  }
  return records
}
