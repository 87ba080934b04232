/**
 * The page loads of one try that the coordinator healed. A `driver.get()` whose app was down, healed
 * through the run's coordinator and loaded again, lets the try go on and pass: without this record
 * the report would call the test `passed` although the app had to be restarted under it. The fixture
 * puts these on `task.meta.vitestHealInline`, where the report shows each as a failed infra try.
 */
import type { InlineHealedFailure } from '../vitest/worker-config.js'
import { errorParts } from './errors.js'
import type { AppHealed } from './run-link.js'
import type { HealAttempt, InfraRequest } from './strategies.js'

interface AskedHeal {
  request: InfraRequest
  healed: AppHealed
  startedAt: number
}

export class InlineHeals {
  readonly #duringTry: number
  #asked: AskedHeal | undefined
  readonly #failures: InlineHealedFailure[] = []

  /** `duringTry`: the index of the Vitest try the driver serves (`task.result.retryCount`). */
  constructor(duringTry: number) {
    this.#duringTry = duringTry
  }

  /** Wraps the coordinator's `onInfra`: remembers what it healed until the strategy says whether the page loaded. */
  watch(heal: (request: InfraRequest) => Promise<AppHealed>): (request: InfraRequest) => Promise<void> {
    return async (request) => {
      const startedAt = Date.now()
      this.#asked = undefined
      const healed = await heal(request)
      this.#asked = { request, healed, startedAt }
    }
  }

  /**
   * `healDriver`'s `onAttempt`: an attempt that had the coordinator heal a service and then succeeded
   * healed a failure of the page; one that failed leaves the failure to the test, where the runner sees it.
   */
  attempted(attempt: HealAttempt): void {
    const asked = this.#asked
    this.#asked = undefined
    if (!asked || !attempt.ok) return
    const error = errorParts(asked.request.error)
    const service = asked.healed.service ?? asked.request.service
    const recovery = asked.healed.recovery
    this.#failures.push({
      duringTry: this.#duringTry,
      startedAt: asked.startedAt,
      durationMs: attempt.durationMs,
      error,
      verdict: {
        kind: 'infra',
        ...(service !== undefined ? { service } : {}),
        rule: attempt.strategy,
        evidence: `${error.name}: ${error.message}`.slice(0, 300),
      },
      // Without it (the coordinator found nothing down) the reload is a flaky retry, not a heal.
      ...(recovery ? { recovery } : {}),
    })
  }

  failures(): InlineHealedFailure[] {
    return [...this.#failures]
  }
}
