/**
 * Failure injection (`vitest-heal chaos`, the `chaos` option): what a fault is, when it fires, and
 * the scorecard row every report keeps of it. Plain data shared by the planner (core/chaos-plan.ts),
 * the injector (chaos/) and the reporters; Toxiproxy's vocabulary where it has a word for it.
 */

/** Process faults act on the service's process (owned) or run the user's argv commands (external). */
export type ProcessFaultKind = 'kill' | 'stop' | 'restart' | 'pause'
/** Network faults act in the fault proxy placed in front of the service (Toxiproxy's toxics). */
export type NetworkFaultKind = 'latency' | 'reset' | 'down' | 'timeout' | 'bandwidth' | 'slice'
export type FaultKind = ProcessFaultKind | NetworkFaultKind

/**
 * When a fault fires. `afterTests`: once n tests have finished; `percent`: once p% of the run's
 * tests have finished; `test`: just before the first test whose full name matches; `during`: inside
 * the first matching test, once it has sent its first bytes to the service; `random`: a point the
 * seeded schedule picks (reproducible for a seed).
 */
export type FaultTrigger =
  | { afterTests: number }
  | { percent: number }
  | { test: RegExp }
  | { during: RegExp }
  | { random: true }

/** One fault as the user asked for it: `db:kill@30%`, `app:latency=500ms@test:/checkout/`. */
export interface FaultSpec {
  /** The service it breaks (a key of `services`). */
  service: string
  kind: FaultKind
  /**
   * The fault's parameters, in milliseconds or KB/s: `latency` (ms) and `jitter` (ms) for latency;
   * `durationMs` for pause, down, timeout and the network faults that end (default: until the next
   * recovery or 5 s); `rate` (KB/s) for bandwidth; `averageSize` (bytes) and `delayMs` for slice.
   */
  params: Partial<Record<'latency' | 'jitter' | 'durationMs' | 'rate' | 'averageSize' | 'delayMs', number>>
  when: FaultTrigger
  /** How many times it may fire. Default 1: a fault never fires twice unless asked. */
  times: number
  /** The text the user wrote, for messages and reports. */
  source: string
}

/** A fault placed on the run's timeline by the seeded schedule. */
export interface PlannedFault extends FaultSpec {
  /** Stable id within the run: `f1`, `f2`, … in the order of the specs. */
  id: string
  /** For `random` triggers: the test count after which it fires, picked from the seed. */
  afterTests?: number
  /**
   * For count triggers (`afterTests`, `percent`, `random`) once the run's total is known: the
   * finished-test counts at which it fires, ascending, distinct, each below the total, at most
   * `times` of them (extension; `afterTests` is the first).
   */
  points?: number[]
}

/** The scorecard row of one injected fault (report.json `faults[]`, extension). */
export interface FaultReport {
  id: string
  service: string
  kind: FaultKind
  /** The spec as written (`db:kill@30%`). */
  source: string
  /** ISO time it was injected; absent when its trigger was never reached. */
  injectedAt?: string
  /** ISO time it was first seen: the first failure blamed on the service, or a health probe. */
  detectedAt?: string
  /** How it was detected. */
  detectedBy?: 'test-failure' | 'health-probe'
  /** ISO time the service was healthy again. */
  recoveredAt?: string
  /** The recovery strategy that made it healthy, when one ran (a network fault may just end). */
  strategy?: string
  /**
   * `healed`: it was seen and every test it hit ended passed, healed, flaky or as its own test bug
   * (counted apart, never healed); `not-healed`: a test it hit ended failed with infra or skipped, or
   * its service was left down; `no-effect`: nothing saw it; `not-injected`: the trigger never came
   * or it could not be applied (core/scorecard.ts).
   */
  result: 'healed' | 'not-healed' | 'no-effect' | 'not-injected'
  /** Tests that failed a try while the fault was active, with their final outcome. */
  tests: { file: string; name: string; project?: string; index?: number; outcome: string }[]
  /** When the fault could not be applied (an external service without a `chaos` command). */
  error?: string
  /** Set by `vitest-heal merge`: the shard report it ran in (extension; `source` is the spec as written). */
  shard?: string
}

/** The one-line scorecard and the `--expect-healed` decision, computed from the rows. */
export interface ChaosScore {
  injected: number
  detected: number
  healed: number
  /** Tests a fault hit that still failed with infra (or were skipped) at the end. */
  testsLost: number
  /** Tests that failed as test bugs in the run, quarantined ones aside: planted bugs must stay red. */
  bugsStillRed: number
}

/**
 * What the injector (chaos/) knows of one planned fault at the end of the run; the scorecard
 * (core/scorecard.ts) turns it and the run's report into a FaultReport.
 */
export interface FaultInjection {
  fault: PlannedFault
  /** Epoch ms it was applied; absent when its trigger never came. */
  injectedAt?: number
  /** Epoch ms a fault with a duration ended (network faults, pause); absent for kill/stop/restart. */
  endedAt?: number
  /** Why it could not be applied. */
  error?: string
}
