/**
 * The metric sampler (issue 14, "Sampling"): in the main process, while tests run, one reading per
 * source (each service, and `host`) every interval, kept in a ring per source for the predictor.
 *
 * Its contract is to cost little and never to hurt the run: a tick never overlaps the previous one,
 * a source whose last reading still hangs is skipped (never read twice at once), every reading is
 * bounded by the source's timeout, a throwing source or listener is ignored, and the timer does not
 * keep the process alive.
 */
import type { MetricName, Sample } from '../core/prediction.js'
import { Ring } from './sampler-ring.js'

/** What one source measured in one tick. */
export interface SampleReading {
  metrics: Record<MetricName, number>
  /** What the health probe said when it was not healthy (redacted): the outage's evidence. */
  detail?: string
}

/** Something the sampler reads every tick: a service's metrics (metrics-*.ts) or the host's. */
export interface SampleSource {
  /** A service name, or `host`. */
  readonly name: string
  /** Longest a reading may take before the tick goes on without it. */
  readonly timeoutMs: number
  /** One reading. May throw or hang: the sampler bounds it and drops what does not arrive in time. */
  read(): Promise<SampleReading>
  /** Releases what the source keeps open between ticks (a connection); called once, at stop. */
  close?(): Promise<void>
}

export interface SamplerOptions {
  intervalMs: number
  sources: readonly SampleSource[]
  /** How much history each source keeps. Default 10 minutes. */
  retainMs?: number
  /** Epoch ms; samples are stamped with it. Default Date.now. */
  now?: () => number
}

export interface Sampler {
  readonly intervalMs: number
  /** Starts ticking (first tick at once). Idempotent. */
  start(): void
  /** Stops ticking, waits for the tick in progress, and closes the sources. Idempotent. */
  stop(): Promise<void>
  /** One tick now, or the one already in progress (ticks never overlap). Never rejects. */
  tick(): Promise<void>
  /** Called with every sample as it is taken; returns the unsubscribe. A throwing listener is ignored. */
  onSample(listener: (sample: Sample) => void): () => void
  /** The samples kept for `source` (oldest first), optionally only those taken at or after `sinceMs`. */
  recent(source: string, sinceMs?: number): Sample[]
  /** The names of the sources sampled. */
  sources(): string[]
}

export const DEFAULT_RETAIN_MS = 10 * 60_000

export function createSampler(options: SamplerOptions): Sampler {
  const now = options.now ?? Date.now
  const { intervalMs } = options
  const capacity = Math.max(2, Math.ceil((options.retainMs ?? DEFAULT_RETAIN_MS) / intervalMs))
  const rings = new Map(options.sources.map((source) => [source.name, new Ring<Sample>(capacity)]))
  const listeners = new Set<(sample: Sample) => void>()
  /** A source whose reading outlived its timeout: skipped until that reading settles. */
  const hanging = new Set<SampleSource>()
  let current: Promise<void> | undefined
  let timer: NodeJS.Timeout | undefined
  let running = false
  let stopped: Promise<void> | undefined

  async function readOne(source: SampleSource, at: number): Promise<void> {
    if (hanging.has(source)) return
    let timedOut = false
    let deadline: NodeJS.Timeout | undefined
    const reading = Promise.resolve()
      .then(() => source.read())
      .finally(() => hanging.delete(source))
    const late = new Promise<undefined>((resolve) => {
      deadline = setTimeout(() => {
        timedOut = true
        hanging.add(source)
        resolve(undefined)
      }, source.timeoutMs)
    })
    let got: SampleReading | undefined
    try {
      got = await Promise.race([reading, late])
    } catch {
      got = undefined
    } finally {
      clearTimeout(deadline)
    }
    reading.catch(() => undefined)
    if (got === undefined || timedOut) return
    const sample: Sample = {
      source: source.name,
      at,
      metrics: got.metrics,
      ...(got.detail === undefined ? {} : { detail: got.detail }),
    }
    rings.get(source.name)?.push(sample)
    for (const listener of listeners) {
      try {
        listener(sample)
      } catch {
        // A listener (the predictor) that throws must not stop the sampling, nor the run.
      }
    }
  }

  function tick(): Promise<void> {
    current ??= (async () => {
      const at = now()
      await Promise.all(options.sources.map((source) => readOne(source, at).catch(() => undefined)))
    })().finally(() => (current = undefined))
    return current
  }

  function schedule(): void {
    if (!running) return
    const startedAt = performance.now()
    void tick().then(() => {
      if (!running) return
      // The next tick keeps the cadence, and a tick slower than the interval skips, never stacks.
      const elapsed = performance.now() - startedAt
      timer = setTimeout(schedule, intervalMs - (elapsed % intervalMs))
      timer.unref()
    })
  }

  return {
    intervalMs,
    start() {
      if (running || stopped) return
      running = true
      schedule()
    },
    stop() {
      stopped ??= (async () => {
        running = false
        clearTimeout(timer)
        await current?.catch(() => undefined)
        await Promise.all(options.sources.map((s) => s.close?.().catch(() => undefined)))
      })()
      return stopped
    },
    tick,
    onSample(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    recent(source, sinceMs) {
      const all = rings.get(source)?.toArray() ?? []
      return sinceMs === undefined ? all : all.filter((sample) => sample.at >= sinceMs)
    },
    sources: () => options.sources.map((s) => s.name),
  }
}
