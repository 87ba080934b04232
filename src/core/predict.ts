/**
 * The predictor: recent samples of one service (+ the host's, + the history's base rates) →
 * one Prediction per failure kind it has a metric for. Pure: the caller (predict/act.ts) brings
 * the samples and the clock.
 *
 * Method (docs/prediction.md): a robust trend per metric — Theil–Sen slope over the last
 * `fitSamples` samples, its level at the latest sample — extrapolated to the metric's threshold.
 * The probability is that of the trend line being past the threshold at the end of the window,
 * under the fit's own uncertainty (robust residual scale → standard error of the line there), so
 * a steep clean trend gives ~1, a flat or noisy one ~0. A history base rate is combined as an
 * independent prior (`1 - (1-p)(1-base)`), never alone above what the history says.
 */
import type { MetricName, PredictedFailure, Prediction, Sample } from './prediction.js'

export interface PredictOptions {
  /** How far ahead a prediction looks (ms). Default 30 000. */
  windowMs?: number
  /** How many of the latest samples the trend is fitted over. Default 20. */
  fitSamples?: number
  /** Fewer samples than this predict nothing. Default 5. */
  minSamples?: number
  /** The client's timeout the probe latency grows toward (ms). No `timeout` prediction without it. */
  timeoutMs?: number
  /** The RSS an owned process may reach; default its RSS plus the host's free memory. */
  memoryLimitBytes?: number
  /** Free bytes below which the disk counts as full. Default 0. */
  diskFloorBytes?: number
}

/** Per failure kind: the probability, from the history alone, that it happens within one window. */
export type BaseRates = Partial<Record<PredictedFailure, number>>

/** How many samples back a metric read only every few ticks is looked for, in `fitSamples`. */
const SPARSE_FACTOR = 5

export const PREDICT_DEFAULTS = {
  windowMs: 30_000,
  fitSamples: 20,
  minSamples: 5,
  threshold: 0.8,
  minConfidence: 0.5,
} as const

/**
 * Whether a prediction is an alarm the run acts on: probable and resting on enough data. A few
 * noisy samples extrapolated far can look probable; their confidence (sample count, uncertainty at
 * the horizon against the distance left) is what keeps noise from alarming.
 */
export function isAlarm(
  prediction: Pick<Prediction, 'probability' | 'confidence'>,
  threshold: number = PREDICT_DEFAULTS.threshold,
  minConfidence: number = PREDICT_DEFAULTS.minConfidence,
): boolean {
  return prediction.probability >= threshold && prediction.confidence >= minConfidence
}

/** Where a metric series goes bad: up to (or down to) a threshold. */
interface Target {
  failure: PredictedFailure
  metric: MetricName
  threshold: number
  direction: 'up' | 'down'
  /** The smallest step the metric moves by (counts: 1): a floor on the noise, so steps are not exact fits. */
  resolution: number
  basis: string
}

/** One trend fit: the line's level at `at`, its slope per ms, and the robust scale of the residuals. */
export interface TrendFit {
  n: number
  at: number
  level: number
  slopePerMs: number
  sigma: number
  /** Σ(t - t̄)² of the fitted times: the slope's leverage. */
  sxx: number
  meanT: number
}

/**
 * Theil–Sen: the median of the pairwise slopes (robust to a third of outliers), the intercept the
 * median of the residual levels. O(n²) pairs, n ≤ fitSamples (20 → 190 pairs).
 */
export function fitTrend(points: ReadonlyArray<{ t: number; y: number }>): TrendFit | undefined {
  const n = points.length
  if (n < 2) return undefined
  const slopes: number[] = []
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const dt = points[j]!.t - points[i]!.t
      if (dt !== 0) slopes.push((points[j]!.y - points[i]!.y) / dt)
    }
  if (slopes.length === 0) return undefined
  const slopePerMs = median(slopes)
  const at = points[n - 1]!.t
  const level = median(points.map((p) => p.y - slopePerMs * (p.t - at)))
  const residuals = points.map((p) => p.y - (level + slopePerMs * (p.t - at)))
  // The larger of MAD × 1.4826 and the RMS, with two degrees of freedom spent on the line: a few
  // samples easily look quieter than they are, and a quiet-looking fit is what would alarm on noise.
  const mad = 1.4826 * median(residuals.map(Math.abs))
  const rms = Math.sqrt(residuals.reduce((s, r) => s + r * r, 0) / n)
  const meanT = points.reduce((s, p) => s + p.t, 0) / n
  const sxx = points.reduce((s, p) => s + (p.t - meanT) ** 2, 0)
  const dof = n > 2 ? Math.sqrt(n / (n - 2)) : 2
  return { n, at, level, slopePerMs, sigma: Math.max(mad, rms) * dof, sxx, meanT }
}

/** The trend of one metric toward its threshold: probability within the window, confidence, lead. */
export function trendToThreshold(
  fit: TrendFit,
  target: { threshold: number; direction: 'up' | 'down'; resolution: number },
  windowMs: number,
  minSamples: number,
): { probability: number; confidence: number; leadTimeMs?: number } {
  // Everything as "distance left to go up": a falling metric (free disk) is mirrored.
  const sign = target.direction === 'up' ? 1 : -1
  const headroom = sign * (target.threshold - fit.level)
  const slope = sign * fit.slopePerMs
  const sigma = Math.max(fit.sigma, target.resolution / Math.sqrt(12))
  // Full weight from twice the minimum: fewer samples than that are a guess about the trend.
  const sampleFactor = Math.min(1, fit.n / (2 * minSamples))
  if (headroom <= 0) return { probability: 1, confidence: sampleFactor, leadTimeMs: 0 }
  // Standard error of the fitted line at the window's end (regression prediction of the mean).
  const horizon = fit.at + windowMs - fit.meanT
  const sd = sigma * Math.sqrt(1 / fit.n + (fit.sxx > 0 ? horizon ** 2 / fit.sxx : 1))
  const z = (slope * windowMs - headroom) / sd
  const probability = normalCdf(z)
  const leadTimeMs = slope > 0 ? headroom / slope : undefined
  // Confident when the trend is real (its slope several standard errors from flat: 2 → 0, 4 → 1)
  // and the uncertainty at the horizon is small against the distance to the threshold.
  const slopeError = fit.sxx > 0 ? sigma / Math.sqrt(fit.sxx) : Infinity
  const significance = Math.min(1, Math.max(0, (slope / slopeError - 2) / 2))
  const confidence = sampleFactor * significance * Math.max(0, 1 - sd / headroom)
  return {
    probability: round3(probability),
    confidence: round3(confidence),
    ...(leadTimeMs === undefined || !Number.isFinite(leadTimeMs)
      ? {}
      : { leadTimeMs: Math.round(leadTimeMs) }),
  }
}

/** What each metric of this service's latest sample can be extrapolated to. */
function targets(
  source: string,
  m: Readonly<Record<string, number>>,
  hostLatest: Sample | undefined,
  options: PredictOptions,
): Target[] {
  const out: Target[] = []
  const max = m['pg.maxConnections']
  if (m['pg.connections'] !== undefined && max !== undefined && max > 0)
    out.push({
      failure: 'saturation',
      metric: 'pg.connections',
      threshold: max,
      direction: 'up',
      resolution: 1,
      basis: `pg.connections → ${max} (max_connections)`,
    })
  if (m['disk.freeBytes'] !== undefined) {
    const floor = options.diskFloorBytes ?? 0
    out.push({
      failure: 'disk-full',
      metric: 'disk.freeBytes',
      threshold: floor,
      direction: 'down',
      resolution: 4096,
      basis: `disk.freeBytes → ${floor} (disk full)`,
    })
  }
  // The probe's round trip (a fresh connection), and a PostgreSQL's query on the sampler's kept one.
  for (const metric of ['probe.latencyMs', 'pg.queryMs'])
    if (m[metric] !== undefined && options.timeoutMs !== undefined && options.timeoutMs > 0)
      out.push({
        failure: 'timeout',
        metric,
        threshold: options.timeoutMs,
        direction: 'up',
        resolution: 1,
        basis: `${metric} → ${options.timeoutMs} (client timeout)`,
      })
  const rss = m['proc.rssBytes']
  const free = hostLatest?.metrics['host.freeMemBytes']
  const limit = options.memoryLimitBytes ?? (rss !== undefined && free !== undefined ? rss + free : undefined)
  if (rss !== undefined && limit !== undefined)
    out.push({
      failure: 'memory',
      metric: 'proc.rssBytes',
      threshold: limit,
      direction: 'up',
      resolution: 4096,
      basis: `proc.rssBytes → ${limit} (${options.memoryLimitBytes === undefined ? 'RSS + host free memory' : 'memory limit'})`,
    })
  if (source === 'host' && m['host.freeMemBytes'] !== undefined)
    out.push({
      failure: 'memory',
      metric: 'host.freeMemBytes',
      threshold: 0,
      direction: 'down',
      resolution: 4096,
      basis: 'host.freeMemBytes → 0 (out of memory)',
    })
  return out
}

/**
 * Predictions for one service from its recent samples (oldest first; other sources' samples are
 * ignored). One per failure kind with a metric to extrapolate (of two metrics of one kind, the more
 * alarming), plus one per kind that only the history's base rates speak for. A metric read only
 * every few ticks (a PostgreSQL's probe latency) is fitted over its own last `fitSamples` readings.
 */
export function predict(
  service: string,
  samples: readonly Sample[],
  options: PredictOptions = {},
  context: { host?: readonly Sample[]; baseRates?: BaseRates } = {},
): Prediction[] {
  const windowMs = options.windowMs ?? PREDICT_DEFAULTS.windowMs
  const fitSamples = options.fitSamples ?? PREDICT_DEFAULTS.fitSamples
  const minSamples = options.minSamples ?? PREDICT_DEFAULTS.minSamples
  // Enough for a metric read every 5th tick; older samples say nothing about the trend now.
  const own = samples.filter((s) => s.source === service).slice(-SPARSE_FACTOR * fitSamples)
  const base = context.baseRates ?? {}
  const out = new Map<PredictedFailure, Prediction>()
  if (own.length >= minSamples) {
    const latest = Object.assign({}, ...own.map((s) => s.metrics)) as Record<string, number>
    for (const target of targets(service, latest, context.host?.at(-1), options)) {
      const points = own
        .flatMap((s) => {
          const y = s.metrics[target.metric]
          return y === undefined || !Number.isFinite(y) ? [] : [{ t: s.at, y }]
        })
        .slice(-fitSamples)
      if (points.length < minSamples) continue
      const fit = fitTrend(points)
      if (!fit) continue
      const trend = trendToThreshold(fit, target, windowMs, minSamples)
      const probability = withPrior(trend.probability, base[target.failure])
      const other = out.get(target.failure)
      if (other && other.probability >= probability) continue
      out.set(target.failure, {
        service,
        failure: target.failure,
        probability,
        confidence: trend.confidence,
        windowMs,
        ...(trend.leadTimeMs === undefined ? {} : { leadTimeMs: trend.leadTimeMs }),
        basis: target.basis,
      })
    }
  }
  for (const [failure, rate] of Object.entries(base) as [PredictedFailure, number][]) {
    if (out.has(failure) || !(rate > 0)) continue
    out.set(failure, {
      service,
      failure,
      probability: round3(clamp01(rate)),
      // The history says how often, not when: no trend behind it.
      confidence: 0,
      windowMs,
      basis: 'history base rate',
    })
  }
  return [...out.values()]
}

/** A base rate per run → the probability of at least one such failure within one window (Poisson). */
export function baseRatePerWindow(failuresPerRun: number, runMs: number, windowMs: number): number {
  if (!(failuresPerRun > 0) || !(runMs > 0)) return 0
  return round3(1 - Math.exp((-failuresPerRun * windowMs) / runMs))
}

/** The trend and the history as independent causes: either brings the failure. */
function withPrior(probability: number, base: number | undefined): number {
  if (base === undefined || !(base > 0)) return probability
  return round3(1 - (1 - probability) * (1 - clamp01(base)))
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Φ(z), Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7): enough for a probability shown to 3 places. */
export function normalCdf(z: number): number {
  if (z === Infinity) return 1
  if (z === -Infinity || Number.isNaN(z)) return 0
  const x = Math.abs(z) / Math.SQRT2
  const t = 1 / (1 + 0.3275911 * x)
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
  const erf = 1 - poly * Math.exp(-x * x)
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x))
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000
}
