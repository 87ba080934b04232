/**
 * The machine-readable result of a run: `report.json`. The top-level fields and the fields of
 * `tests[]` and `recoveries[]` named in the contract are fixed (other tools read them); fields
 * marked "extension" are additions that readers may ignore.
 */
import type { FaultReport } from './fault.js'
import type { PredictionReport } from './prediction.js'
import type { TestHistory } from './test-history.js'
import type { RecoveryRecord, Verdict, VerdictKind } from './types.js'

export type TestOutcome = 'passed' | 'healed' | 'flaky' | 'failed' | 'skipped'
export type FailureCause = 'test-bug' | 'infra'

/** One try of one test, in order. */
export interface TryRecord {
  /** 'passed' or 'failed' for this try. */
  state: 'passed' | 'failed'
  /** Which pass ran it: 1 = the normal run, 2 = the second pass. */
  pass: 1 | 2
  durationMs: number
  /** ISO time the try started (extension; may be absent when Vitest did not report it). */
  startedAt?: string
  /** Errors of this try, redacted. */
  errors: { name: string; message: string; stack?: string; code?: string }[]
  /** The classifier's first hypothesis for this try's failure. */
  hypothesis?: Verdict
  /** After the health probe confirmed or downgraded it. */
  verdict?: Verdict
  /**
   * The outage this try's infra verdict was confirmed by (extension): the blamed service was found
   * down and recovered, by this run or by another vitest process through the host lock. Without it
   * a later pass is `flaky`, never `healed`.
   */
  recovery?: TryRecovery
}

/** The recovery that answered a failed try (see TryRecord.recovery). */
export interface TryRecovery {
  service: string
  /**
   * `another process`: a vitest run elsewhere on the host recovered it while this one waited on the lock.
   * `itself`: it was found starting (PostgreSQL's own crash recovery) and came back without a recovery.
   */
  by: 'this run' | 'another process' | 'itself'
  /** Strategy of the recovery that made it healthy, when this run ran it. */
  strategy?: string
  durationMs?: number
  /** ISO time the outage was first seen (extension). */
  downAt?: string
  /** ISO time the service was healthy again (extension). */
  healthyAt?: string
}

export interface TestReport {
  /** Module path relative to the project root, `/`-separated. */
  file: string
  /**
   * The Vitest project that ran it, when the config has named projects (extension): the same file
   * run by two projects is two tests.
   */
  project?: string
  /** Full name: `suite > test`. */
  name: string
  /**
   * Position among the tests of the same full name in its module, in collection order (extension):
   * present only when > 0, so the first (usually the only) one keeps the plain key.
   */
  index?: number
  outcome: TestOutcome
  cause: FailureCause | null
  service: string | null
  rule: string | null
  attempts: number
  // extensions
  line?: number
  durationMs?: number
  tries?: TryRecord[]
  /** Paths (relative to reportDir) of files a test attached: screenshots, page sources. */
  attachments?: { name: string; path: string; contentType?: string }[]
  /**
   * Option `quarantine` (extension): this failure is of a test the history knows as flaky, so it is
   * reported but does not fail the run. Its rate, flaky runs and runs since it first failed.
   */
  quarantined?: { rate: number; flakyRuns: number; runs: number }
  /**
   * What the history knows of a test that failed or was flaky in this run (extension; absent with
   * `history: false`): `new`, or `known-flaky` with its record.
   */
  history?: TestHistory
}

/** A recovery record as report.json keeps it (the contract fields are RecoveryRecord's). */
export interface RecoveryReport extends RecoveryRecord {
  /** Set by `vitest-heal merge`: the shard report this recovery came from (shards run on other machines). */
  source?: string
}

/** A change in a service's health, for the timeline. */
export interface HealthEvent {
  service: string
  at: string
  state: 'healthy' | 'starting' | 'down' | 'recovering' | 'broken'
  detail?: string
  /** Set by `vitest-heal merge`: the shard report this event came from (extension). */
  source?: string
}

export interface ReportSummary {
  total: number
  passed: number
  healed: number
  flaky: number
  failed: number
  testBug: number
  infra: number
  skipped: number
  /** Failed tests quarantined as known flaky (extension): counted in `failed`, not failing the run. */
  quarantined?: number
}

export interface RunReport {
  version: 1
  outcome: 'passed' | 'failed'
  summary: ReportSummary
  tests: TestReport[]
  recoveries: RecoveryReport[]
  // extensions
  startedAt?: string
  durationMs?: number
  vitestVersion?: string
  timeline?: HealthEvent[]
  /** Errors outside any test, classified; `healed` ones belonged to an outage that was recovered. */
  unhandledErrors?: { name: string; message: string; verdict?: Verdict; forgiven: boolean; why?: string }[]
  /** Set by `vitest-heal merge`: which shard directories went into this report. */
  mergedFrom?: string[]
  /**
   * Every error outside a test (extension): suite and module hooks (`beforeAll`, `afterAll`, …),
   * a module's top level, and unhandled errors. Each fails the run unless forgiven.
   */
  errors?: OutsideError[]
  /** A chaos run's injected faults, one scorecard row each (extension). */
  faults?: FaultReport[]
  /** Predictions that crossed the threshold, what was done first, and whether they came true (extension). */
  predictions?: PredictionReport[]
  /**
   * Set by `vitest-heal run --resume`: the run this one completed (its runner died), and how many
   * tests the resumed run executed (extension).
   */
  resumedFrom?: { runId?: string; startedAt?: string; executed: number; carried: number }
}

/** An error thrown outside any test, classified, with why it fails the run or is forgiven. */
export interface OutsideError {
  /** `suite`: a hook of a describe block; `module`: a file-level hook or its top level; `unhandled`: outside any file. */
  where: 'suite' | 'module' | 'unhandled'
  project?: string
  file?: string
  /** Full name of the suite whose hook threw (`where: 'suite'`). */
  suite?: string
  /** Which pass saw it: 1 = the normal run, 2 = the second pass. */
  pass: 1 | 2
  name: string
  message: string
  stack?: string
  code?: string
  verdict?: Verdict
  /** Only an infra error whose outage was healed is forgiven; anything else fails the run. */
  forgiven: boolean
  /** One sentence: why it is forgiven, or why it fails the run. */
  why: string
  /** Set by `vitest-heal merge`: the shard report this error came from (extension). */
  source?: string
}

/**
 * A test's identity across passes and shards: project, file, full name and, for the second and
 * later tests of one full name in a module, their index among them (Vitest runs both).
 */
export function testKey(test: { project?: string; file: string; name: string; index?: number }): string {
  const key = `${test.project ?? ''}\u0000${test.file}\u0000${test.name}`
  return test.index ? `${key}\u0000${test.index}` : key
}

/** A test module's identity: the same file in two projects is two modules. */
export function moduleKey(module: { project?: string; file: string }): string {
  return `${module.project ?? ''}\u0000${module.file}`
}

export type { RecoveryRecord, VerdictKind }
