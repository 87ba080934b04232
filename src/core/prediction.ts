/**
 * Prediction: what the sampler measures (predict/sampler.ts) and what the predictor
 * (core/predict.ts) concludes from it and the history. Plain data shared by the sampler, the
 * predictor, the actions taken first and the reports.
 */

/**
 * One metric of one sample. Names are stable (the predictor keys its trends by them):
 * `probe.latencyMs`, `probe.down` (0/1), `pg.connections`, `pg.maxConnections`,
 * `pg.idleInTransaction`, `pg.longestQueryMs`, `pg.dbBytes`, `disk.freeBytes`, `disk.totalBytes`,
 * `http.errorRate`, `webdriver.sessions`, `host.load1`, `host.cores`, `host.freeMemBytes`,
 * `host.eventLoopDelayMs`, `proc.rssBytes`.
 * Also (predict/sampler.ts): `probe.starting` (0/1: answers, not ready, e.g. crash recovery),
 * `pg.reservedConnections` (superuser slots), `pg.longestIdleInTransactionMs`, `pg.inRecovery`
 * (0/1: a standby or crash recovery), `pg.queryMs` (round trip of the stats query on the sampler's
 * kept connection, every tick; a PostgreSQL's `probe.latencyMs`, a fresh connection, comes only
 * every 5th tick while that connection answers), `host.totalMemBytes`, `host.eventLoopDelayMaxMs`,
 * `host.rssBytes` (the main process), `tmp.freeBytes`/`tmp.totalBytes` (os.tmpdir()),
 * `reportDir.freeBytes`/`reportDir.totalBytes`. `disk.*` is a service's data directory (a local
 * PostgreSQL), `proc.rssBytes` an owned service's process tree. A metric that cannot be read is
 * absent from the sample, never 0.
 */
export type MetricName = string

/** What one sampler tick measured for one service (or `host`). */
export interface Sample {
  /** A service name, or `host` for the machine itself. */
  source: string
  /** Epoch ms. */
  at: number
  metrics: Record<MetricName, number>
  /** What the health probe said when the service was not healthy (redacted): an outage's evidence. */
  detail?: string
}

/** The failure kinds the predictor forecasts, per service. */
export type PredictedFailure = 'saturation' | 'disk-full' | 'timeout' | 'down' | 'memory'

/** A forecast: the probability that `failure` happens to `service` within `windowMs`. */
export interface Prediction {
  service: string
  failure: PredictedFailure
  /** 0..1. */
  probability: number
  /** 0..1: how much data and how good a fit the probability rests on. */
  confidence: number
  windowMs: number
  /** Estimated ms until the threshold is crossed (trend to threshold). */
  leadTimeMs?: number
  /** The metric and threshold it extrapolated: `pg.connections → 100 (max_connections)`. */
  basis: string
}

/** Every prediction that crossed the threshold, as report.json `predictions[]` keeps it (extension). */
export interface PredictionReport extends Prediction {
  /** ISO time it crossed the threshold. */
  at: string
  /** What was done first: `checkpoint`, `hold`, `reorder`, `recovery:<strategy>`. */
  actions: string[]
  /** Whether the predicted failure came within the window: true/false positive; undefined while open. */
  cameTrue?: boolean
  /** ISO time the failure came, when it did. */
  failedAt?: string
  /** Set by `vitest-heal merge`: the shard report it came from (extension). */
  source?: string
  /** ms from `at` to `failedAt`: the lead time the run really had (predict/act.ts). */
  observedLeadMs?: number
}
