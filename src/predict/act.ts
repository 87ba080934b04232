/**
 * Acting first (issue 14): every sample the sampler takes goes through the predictor; a prediction
 * that stays an alarm for `persist` ticks in a row is acted on before the failure comes — a
 * checkpoint of the run's journal, a hold of the tests that need the service, and the configured
 * preemptive recovery (the service's reliefs for saturation, a restart of an owned process whose
 * memory runs away). Each acted-on prediction becomes a PredictionReport, judged at the end of its
 * window: did the failure come (true positive) or not.
 *
 * Never a reason for a red run: the hold is bounded (released when the prediction clears, when
 * its window ends, or at stop), the worker's wait is a courtesy that cannot fail a test, and every
 * action's error is swallowed into the report.
 */
import { isAlarm, predict, PREDICT_DEFAULTS, type BaseRates } from '../core/predict.js'
import type { PredictedFailure, Prediction, PredictionReport, Sample } from '../core/prediction.js'
import type { RecoveryRecord } from '../core/types.js'
import type { Sampler } from './sampler.js'

/** What the actor may do to the run: the session implements these (session.ts). */
export interface ActorHooks {
  /** Holds new tests that declare they need `service` (the outage hold) until released. */
  hold(service: string): void
  release(service: string): void
  /** Fsyncs the run's journal; false when the run keeps none. */
  checkpoint?(): Promise<boolean>
  /** Runs the service's reliefs (pgTerminateIdle, …); absent or empty: it has none. */
  relieve?(service: string): Promise<RecoveryRecord[]>
  /** Restarts an owned service; absent: it is not owned. */
  restart?(service: string): Promise<boolean>
  log?(line: string): void
}

export interface ActorService {
  name: string
  /** The client timeout the probe latency is extrapolated to (the service's checkTimeoutMs). */
  timeoutMs?: number
  hasReliefs?: boolean
  owned?: boolean
}

export interface ActorOptions {
  services: readonly ActorService[]
  /** Alarm at this probability. Default 0.8. */
  threshold?: number
  minConfidence?: number
  windowMs?: number
  /** Ticks in a row a prediction must alarm before anything is done. Default 3. */
  persist?: number
  /** Run a saturated service's reliefs before it is full. Default false. */
  relieve?: boolean
  /** Restart an owned service whose memory runs away. Default false. */
  restart?: boolean
  /** Hold tests that need the service. Default true. */
  hold?: boolean
  baseRates?: Partial<Record<string, BaseRates>>
  now?: () => number
}

export interface Actor {
  /** Predictions of the latest tick, per service (alarming or not): for status and tests. */
  latest(service: string): Prediction[]
  /** Every acted-on prediction; open ones (window not over) have `cameTrue` undefined. */
  reports(): PredictionReport[]
  /** Unsubscribes, releases every hold, and judges what it can. Idempotent. */
  stop(): void
  /** Resolves once the actions in flight are done (tests, stop). */
  settled(): Promise<void>
}

interface Open {
  report: PredictionReport
  atMs: number
  held: boolean
  /** The threshold the failure is judged by (the prediction's basis), kept from when it alarmed. */
  came: (sample: Sample) => boolean
}

export const DEFAULT_PERSIST = 3

export function createActor(
  sampler: Pick<Sampler, 'onSample' | 'recent'>,
  hooks: ActorHooks,
  options: ActorOptions,
): Actor {
  const now = options.now ?? Date.now
  const threshold = options.threshold ?? PREDICT_DEFAULTS.threshold
  const minConfidence = options.minConfidence ?? PREDICT_DEFAULTS.minConfidence
  const windowMs = options.windowMs ?? PREDICT_DEFAULTS.windowMs
  const persist = options.persist ?? DEFAULT_PERSIST
  const services = new Map(options.services.map((s) => [s.name, s]))
  const streak = new Map<string, number>()
  const latest = new Map<string, Prediction[]>()
  const open = new Map<string, Open>()
  const done: PredictionReport[] = []
  /** Closed predictions still alarming: one report per episode, a new one only after it cleared. */
  const latched = new Set<string>()
  /** Predictions whose failure came and whose hold lasts until the service is well again. */
  const lingering = new Map<string, { entry: Open; failedAt: number }>()
  const inFlight = new Set<Promise<unknown>>()
  let stopped = false

  const key = (service: string, failure: PredictedFailure) => `${service}\u0000${failure}`
  const log = (line: string) => {
    try {
      hooks.log?.(line)
    } catch {
      // A status line must not stop an action.
    }
  }
  const track = (work: Promise<unknown>) => {
    const quiet = work.catch(() => undefined)
    inFlight.add(quiet)
    void quiet.finally(() => inFlight.delete(quiet))
  }

  function release(entry: Open): void {
    if (!entry.held) return
    entry.held = false
    // Another open prediction of the same service keeps its hold.
    const service = entry.report.service
    const others = [...open.values(), ...[...lingering.values()].map((l) => l.entry)]
    if (others.some((o) => o !== entry && o.held && o.report.service === service)) return
    try {
      hooks.release(service)
    } catch {
      // Releasing is best effort: the worker's wait is bounded anyway.
    }
  }

  function close(k: string, entry: Open, cameTrue: boolean | undefined, at?: number): void {
    open.delete(k)
    latched.add(k)
    if (cameTrue !== undefined) entry.report.cameTrue = cameTrue
    if (cameTrue && at !== undefined) {
      entry.report.failedAt = new Date(at).toISOString()
      entry.report.observedLeadMs = Math.max(0, at - entry.atMs)
    }
    done.push(entry.report)
    // The failure came: its tests stay held until the service is well again (an episode of latency
    // or a full disk passes), at most one window more, rather than run into it.
    if (cameTrue && at !== undefined && entry.held) lingering.set(k, { entry, failedAt: at })
    else release(entry)
  }

  function act(prediction: Prediction, sample: Sample): void {
    const report: PredictionReport = { ...prediction, at: new Date(sample.at).toISOString(), actions: [] }
    const entry: Open = { report, atMs: sample.at, held: false, came: failureTest(prediction, sample) }
    open.set(key(prediction.service, prediction.failure), entry)
    log(
      `${prediction.service}: ${prediction.failure} predicted (p ${prediction.probability}, ${prediction.basis}` +
        `${prediction.leadTimeMs === undefined ? '' : `, in ~${Math.round(prediction.leadTimeMs / 1000)} s`}) — acting first`,
    )
    hold(entry)
    track(
      (async () => {
        if (hooks.checkpoint)
          report.actions.push((await hooks.checkpoint()) ? 'checkpoint' : 'checkpoint:no-journal')
        await recover(prediction, entry)
      })(),
    )
  }

  function hold(entry: Open): void {
    if (options.hold === false || entry.held) return
    try {
      hooks.hold(entry.report.service)
      entry.held = true
      if (!entry.report.actions.includes('hold')) entry.report.actions.push('hold')
    } catch {
      // No hold, no harm: the tests run as they would have.
    }
  }

  /**
   * The configured preemptive recovery, when there is one for this failure. One that worked took
   * the service away from its threshold: the held tests go on at once rather than at the window's end.
   */
  async function recover(prediction: Prediction, entry: Open): Promise<void> {
    const service = services.get(prediction.service)
    const report = entry.report
    let recovered = false
    if (options.relieve && prediction.failure === 'saturation' && service?.hasReliefs && hooks.relieve) {
      const records = await hooks.relieve(prediction.service)
      for (const record of records)
        report.actions.push(`recovery:${record.strategy}${record.ok ? '' : ':failed'}`)
      recovered = records.some((r) => r.ok)
    }
    if (options.restart && prediction.failure === 'memory' && service?.owned && hooks.restart) {
      recovered = await hooks.restart(prediction.service)
      report.actions.push(recovered ? 'recovery:restart' : 'recovery:restart:failed')
    }
    if (recovered) release(entry)
  }

  function onSample(sample: Sample): void {
    if (stopped) return
    for (const [k, { entry, failedAt }] of [...lingering]) {
      if (entry.report.service !== sample.source) continue
      if (!entry.came(sample) || sample.at - failedAt > entry.report.windowMs) {
        lingering.delete(k)
        release(entry)
      }
    }
    // Judge what is open for this source first: the failure came, the window ended, or it cleared.
    for (const [k, entry] of [...open]) {
      if (entry.report.service !== sample.source) continue
      if (entry.came(sample)) close(k, entry, true, sample.at)
      else if (sample.at - entry.atMs > entry.report.windowMs) close(k, entry, false)
    }
    if (!services.has(sample.source)) return
    const service = services.get(sample.source)!
    const predictions = predict(
      sample.source,
      sampler.recent(sample.source),
      { windowMs, ...(service.timeoutMs === undefined ? {} : { timeoutMs: service.timeoutMs }) },
      {
        host: sampler.recent('host'),
        ...(options.baseRates?.[sample.source] ? { baseRates: options.baseRates[sample.source] } : {}),
      },
    )
    latest.set(sample.source, predictions)
    for (const prediction of predictions) {
      const k = key(prediction.service, prediction.failure)
      const entry = open.get(k)
      const alarming = isAlarm(prediction, threshold, minConfidence)
      streak.set(k, alarming ? (streak.get(k) ?? 0) + 1 : 0)
      if (!alarming) latched.delete(k)
      // A prediction that cleared (well under the threshold) ends its hold early; it stays open to be judged.
      if (entry && prediction.probability < threshold / 2) release(entry)
      if (!entry && !latched.has(k) && alarming && streak.get(k)! >= persist) act(prediction, sample)
      // The trend came back after a recovery (a leak goes on leaking): recover again, once per new streak.
      else if (entry && alarming && streak.get(k) === persist && entry.report.actions.some(isRecovery)) {
        hold(entry)
        track(recover(prediction, entry))
      }
    }
  }

  const unsubscribe = sampler.onSample((sample) => onSample(sample))

  return {
    latest: (service) => latest.get(service) ?? [],
    reports: () =>
      [...done, ...[...open.values()].map((o) => o.report)].map((r) => ({ ...r, actions: [...r.actions] })),
    stop() {
      if (stopped) return
      stopped = true
      unsubscribe()
      // The run ended: a window that ended without the failure is a false alarm; one still running is left open.
      for (const [k, entry] of [...open]) {
        if (now() - entry.atMs > entry.report.windowMs) close(k, entry, false)
        else release(entry)
      }
      for (const { entry } of lingering.values()) release(entry)
      lingering.clear()
    },
    async settled() {
      while (inFlight.size > 0) await Promise.all(inFlight)
    },
  }
}

const isRecovery = (action: string) => action.startsWith('recovery:')

/** Whether a later sample shows the predicted failure: the same threshold the prediction aimed at, or the service down. */
function failureTest(prediction: Prediction, at: Sample): (sample: Sample) => boolean {
  const m0 = at.metrics
  const down = (s: Sample) => s.metrics['probe.down'] === 1
  switch (prediction.failure) {
    case 'saturation': {
      const max = m0['pg.maxConnections'] ?? Infinity
      return (s) => down(s) || (s.metrics['pg.connections'] ?? 0) >= (s.metrics['pg.maxConnections'] ?? max)
    }
    case 'disk-full':
      return (s) => down(s) || (s.metrics['disk.freeBytes'] ?? Infinity) <= 0
    case 'timeout': {
      const limit = Number(/→ (\d+)/.exec(prediction.basis)?.[1] ?? Infinity)
      return (s) =>
        down(s) || (s.metrics['probe.latencyMs'] ?? 0) >= limit || (s.metrics['pg.queryMs'] ?? 0) >= limit
    }
    case 'memory': {
      const limit = Number(/→ (\d+)/.exec(prediction.basis)?.[1] ?? Infinity)
      return (s) => down(s) || (s.metrics['proc.rssBytes'] ?? 0) >= limit
    }
    case 'down':
      return down
  }
}
