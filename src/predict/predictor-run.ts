/**
 * The predictor of one healing session: subscribes an actor (act.ts) to the session's sampler and
 * gives it the session's means — the outage hold for the tests that need a service, the service's
 * reliefs, a restart of an owned process, the journal's checkpoint — and keeps its reports for
 * report.json `predictions[]`.
 */
import type { PredictionReport } from '../core/prediction.js'
import type { RecoveryRecord } from '../core/types.js'
import { relieveService } from '../recoveries/relieve.js'
import { pollUntilHealthy } from '../services/wait.js'
import type { Service } from '../services/types.js'
import { createActor } from './act.js'
import type { ResolvedPredictor } from './predictor-options.js'
import type { Sampler } from './sampler.js'

export interface RunPredictorHost {
  services: readonly Service[]
  options: ResolvedPredictor
  sampler: Pick<Sampler, 'onSample' | 'recent'>
  /** The set of services held changed: the session keeps the outage flag in step. */
  onHoldChange(held: ReadonlySet<string>): void
  /** Fsyncs the run's journal; absent: the run keeps none (the report says so). */
  checkpoint?: () => Promise<boolean>
  log(line: string): void
}

export interface RunPredictor {
  /** Every acted-on prediction so far (open ones have `cameTrue` undefined). */
  reports(): PredictionReport[]
  /** Services whose tests are held now. */
  held(): ReadonlySet<string>
  /** Resolves when none of `services` is held any more, or the time is up. Never rejects. */
  waitReleased(services: readonly string[], timeoutMs: number): Promise<void>
  /** Stops predicting and releases every hold; the reports stay. */
  stop(): Promise<void>
}

export function startRunPredictor(host: RunPredictorHost): RunPredictor {
  const byName = new Map(host.services.map((s) => [s.name, s]))
  const held = new Set<string>()
  const waiters = new Set<() => void>()

  const changed = () => {
    try {
      host.onHoldChange(new Set(held))
    } catch {
      // The flag file is the session's: a failure there costs the hold, never the run.
    }
    for (const wake of [...waiters]) wake()
  }

  const actor = createActor(
    host.sampler,
    {
      hold(service) {
        held.add(service)
        changed()
      },
      release(service) {
        if (held.delete(service)) changed()
      },
      ...(host.checkpoint ? { checkpoint: host.checkpoint } : {}),
      relieve: (service) => relieve(byName.get(service)),
      restart: (service) => restart(byName.get(service)),
      log: host.log,
    },
    {
      services: host.services.map((s) => ({
        name: s.name,
        // The probe's own timeout is the client timeout the sampler's latency is measured against.
        timeoutMs: s.checkTimeoutMs,
        hasReliefs: (s.reliefs?.length ?? 0) > 0,
        owned: s.owned !== undefined,
      })),
      threshold: host.options.threshold,
      windowMs: host.options.windowMs,
      persist: host.options.persist,
      hold: host.options.hold,
      relieve: host.options.relieve,
      restart: host.options.restart,
    },
  )

  async function relieve(service: Service | undefined): Promise<RecoveryRecord[]> {
    if (!service?.reliefs?.length) return []
    return relieveService(service, service.reliefs, { trigger: 'sampler', log: host.log })
  }

  /** The owned process stopped and started again, then waited for like any start. */
  async function restart(service: Service | undefined): Promise<boolean> {
    const owned = service?.owned
    if (!service || !owned) return false
    host.log(`${service.name}: memory running out — restarting it before it fails`)
    if (owned.isRunning()) await owned.stop()
    await owned.start()
    return (await pollUntilHealthy(() => service.probe(), { timeoutMs: service.startTimeoutMs })).healthy
  }

  return {
    reports: () => actor.reports(),
    held: () => new Set(held),
    async waitReleased(services, timeoutMs) {
      const blocking = () => services.some((s) => held.has(s))
      if (!blocking()) return
      await new Promise<void>((resolve) => {
        const done = () => {
          if (blocking() && Date.now() < deadline) return
          clearTimeout(timer)
          waiters.delete(done)
          resolve()
        }
        const deadline = Date.now() + timeoutMs
        const timer = setTimeout(() => {
          waiters.delete(done)
          resolve()
        }, timeoutMs)
        waiters.add(done)
      })
    },
    async stop() {
      actor.stop()
      await actor.settled()
      if (held.size > 0) {
        held.clear()
        changed()
      }
      // Anyone still waiting goes on: the run is ending.
      for (const wake of [...waiters]) wake()
    },
  }
}
