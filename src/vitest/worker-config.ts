/**
 * What the main process hands every worker through `project.provide()`: plain data that survives
 * structuredClone (RegExps do, functions do not).
 */
import type { TryRecovery } from '../core/report.js'
import type { Rule, ServiceRef, Verdict } from '../core/types.js'

export const PROVIDE_KEY = 'vitest-heal'

export interface WorkerHealConfig {
  /** Unix socket of the control channel (in a 0700 directory). */
  socket: string
  /** A file that exists while some service is known to be down: workers check it before each test. */
  outageFlag: string
  root: string
  services: { ref: ServiceRef; tests: string[] }[]
  rules: Rule[]
  budget: { infra: number; flaky: number }
  optIn: boolean
  /** Longest a test waits for a service under recovery before it runs anyway (and fails as infra). */
  waitTimeoutMs: number
  /**
   * Chaos runs with `test:` or `during:` faults only: the full names that send a `chaos-point` before
   * their test starts. Absent otherwise, so a normal run pays nothing for it.
   */
  chaos?: { patterns: RegExp[] }
}

/** Per-try facts the worker records on `task.meta` for the reporter (the verdicts need the worker's probe). */
export interface TaskHealMeta {
  tries: {
    state: 'passed' | 'failed'
    hypothesis?: import('../core/types.js').Verdict
    verdict?: import('../core/types.js').Verdict
    startedAt: number
    durationMs: number
    /** How many of the test's `result.errors` this try produced. */
    errorCount: number
    /** Why it was (not) retried, from the retry policy. */
    decision?: string
    /** The outage its service was found in and recovered from: without it a later pass is `flaky`. */
    recovery?: TryRecovery
  }[]
  needs: string[]
}

/**
 * A failure healed inside a try by a helper that had the coordinator recover the service, then
 * repeated its own step (the Selenium fixture: a page whose app was down, loaded again once the app
 * was back). It never failed the try, so the runner's tries do not show it; the report puts it as a
 * failed infra try just before the try it happened in, so the test ends `healed`, not `passed`.
 */
export interface InlineHealedFailure {
  /** Index of the Vitest try it happened in (`task.result.retryCount` then). */
  duringTry: number
  startedAt: number
  durationMs: number
  /** What the helper saw fail, before the heal. */
  error: { name: string; message: string }
  verdict: Verdict
  /** The outage the coordinator found and recovered; without it the heal counts as flaky, not healed. */
  recovery?: TryRecovery
}

declare module 'vitest' {
  interface ProvidedContext {
    [PROVIDE_KEY]: WorkerHealConfig
  }
  interface TaskMeta {
    vitestHeal?: TaskHealMeta
    vitestHealInline?: InlineHealedFailure[]
  }
}
