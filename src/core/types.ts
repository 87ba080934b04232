/**
 * Values shared by every part of vitest-heal. Pure data: no behaviour, no I/O.
 */

/** An error as a Vitest reporter receives it: serialised, so never checked with `instanceof`. */
export interface ErrorLike {
  name?: unknown
  message?: unknown
  stack?: unknown
  code?: unknown
  cause?: unknown
  errors?: unknown
  [key: string]: unknown
}

/** What a service looks like to the classifier: enough to blame it from the text of an error. */
export interface ServiceRef {
  name: string
  kind: 'postgres' | 'http' | 'tcp' | 'webdriver' | (string & {})
  host?: string
  port?: number
  url?: string
}

export type VerdictKind = 'infra' | 'flaky' | 'test-bug'

/** The classifier's answer for one failed try: which kind, which service, and why. */
export interface Verdict {
  kind: VerdictKind
  service?: string
  /** Id of the rule that decided it (`default` when nothing matched). */
  rule: string
  /** The piece of error text (or code) the rule matched, redacted and shortened. */
  evidence: string
}

export type TextMatcher = string | RegExp

/**
 * A classification rule: data, not code. `when` fields are ANDed; a string matches as a
 * case-insensitive substring (for `message`) or exactly (for `name` and `code`).
 */
export interface Rule {
  id: string
  kind: VerdictKind
  /** A service name, or a kind (`postgres`, `webdriver`, …) resolved to the configured service of that kind. */
  service?: string
  when: { name?: TextMatcher; code?: TextMatcher; message?: TextMatcher }
  /** Seed category for reports (element_not_found, timeout, page_load_failure, …). */
  category?: string
  /**
   * How this rule's match weighs against matches on other errors of the same failure
   * (docs/classification.md): `final` stands whatever else matched (assertion failures);
   * `escalate` beats `first` matches, and among escalations the strongest kind wins
   * (infra over flaky over test-bug); `first` (the default) decides only when nothing
   * outranks it, the earliest error winning.
   */
  precedence?: RulePrecedence
  /**
   * The signature also fits a healthy service under load (timeouts, resets): a health probe that
   * finds the blamed service healthy downgrades the infra hypothesis to flaky.
   */
  ambiguous?: boolean
}

export type RulePrecedence = 'final' | 'escalate' | 'first'

/** Where a recovery was asked for. `sampler`: the metric sampler's probe found the service down while tests ran. */
export type RecoveryTrigger = 'preflight' | 'inline' | 'second-pass' | 'doctor' | 'sampler'

/** One run of one recovery strategy against one service. Becomes a history event later. */
export interface RecoveryRecord {
  service: string
  strategy: string
  ok: boolean
  trigger: RecoveryTrigger
  /** ISO time. */
  startedAt: string
  durationMs: number
  /** Why it failed (redacted), when it failed. */
  error?: string
  /** How many requests (workers, tests) this recovery answered: single-flight joins them. */
  requests: number
  /**
   * Why it was tried when it was, when the history chose the order: its past record
   * (`97% of 34 past attempts`). Absent when the configured order was used unchanged.
   */
  reason?: string
}

/** What one health probe of a service said. */
export interface HealthProbe {
  /** `starting`: the service answers but is not ready yet (pg 57P03): keep waiting, do not recover. */
  state: 'healthy' | 'starting' | 'down'
  /** Human-readable and redacted: `SELECT 1 ok`, `connect ECONNREFUSED 127.0.0.1:5432`, `HTTP 503`. */
  detail: string
  latencyMs: number
  /**
   * With `healthy`: the service is up but full (PostgreSQL 53300, every connection slot taken).
   * Not an outage: restarting it would only kill every client; `detail` says how full, when known.
   */
  saturated?: boolean
}
