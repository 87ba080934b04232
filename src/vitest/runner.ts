/**
 * The worker side of the healing loop: a Vitest `TestRunner` (set as `test.runner` by the plugin).
 *
 * Why a runner and not `onTestFailed` or a `retry` RegExp: the runner is the one place that sees
 * every try of a test before it runs (`onBeforeRunTask`, `onBeforeTryTask`), so it can give each
 * test its own two budgets (infra and flaky) through a `retry.condition` closure — a RegExp in the
 * config sees only the last error's message and has one budget — and can await the recovery of a
 * service before the retry, which a synchronous retry condition cannot do. It also holds a test
 * that needs a service under recovery instead of letting it fail into the outage. This was chosen by
 * experiment on Vitest 4.1 and 5.x: both call these hooks in this order, and both await
 * `onAfterRetryTask` after each try and before the retry condition, which is where a failed try is
 * classified (asynchronously, so the classifier is loaded only when something failed).
 *
 * Vitest isolates test files, so this module and its imports are loaded once per file: it keeps
 * only what a passing test needs. What only a failure, an outage or a glob needs (runner-failures.ts
 * with the classifier, the retry policy and the control channel; picomatch) is imported on first
 * use, and a file whose tests all pass never pays for it (bench/overhead measured ~35 ms a file
 * when they were static imports). The build bundles this module and its static imports into one
 * file (scripts/bundle-runner.mjs): only `vitest` and Node's built-ins are resolved at load, and the
 * two dynamic imports below must stay relative string literals for the bundle to keep them lazy.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { inject, TestRunner, type RunnerTestCase, type RunnerTestSuite } from 'vitest'
import { isHealed, servicesNeeded, type ServiceClaim, type TestIdentity } from '../core/needs.js'
import type { ErrorLike } from '../core/types.js'
import { relativeFile } from './paths.js'
import type { TestHealState } from './runner-failures.js'
import { PROVIDE_KEY, type WorkerHealConfig } from './worker-config.js'

type Failures = typeof import('./runner-failures.js')
let failures: Promise<Failures> | undefined

/** What the runner needs once something failed or a service is down (see runner-failures.ts). */
function loadFailures(): Promise<Failures> {
  failures ??= import('./runner-failures.js')
  return failures
}

export default class HealRunner extends TestRunner {
  private healConfig: WorkerHealConfig | undefined
  private claims: ServiceClaim[] = []
  private claimsLoaded: Promise<void> | undefined
  private readonly states = new WeakMap<RunnerTestCase, TestHealState>()

  private settings(): WorkerHealConfig | undefined {
    if (this.healConfig) return this.healConfig
    try {
      this.healConfig = inject(PROVIDE_KEY)
    } catch {
      return undefined
    }
    return this.healConfig ?? undefined
  }

  /** The services' `tests` globs, compiled once per file, and only when some service has them. */
  private loadClaims(config: WorkerHealConfig): Promise<void> {
    this.claimsLoaded ??= (async () => {
      if (config.services.every((s) => s.tests.length === 0)) return
      const { serviceClaims } = await import('./claims.js')
      this.claims = serviceClaims(config.services.map((s) => ({ name: s.ref.name, tests: s.tests })))
    })()
    return this.claimsLoaded
  }

  override async onBeforeRunSuite(suite: RunnerTestSuite): Promise<void> {
    await super.onBeforeRunSuite?.(suite)
    const config = this.settings()
    if (!config) return
    await this.loadClaims(config)
    // A new test file does not start into a known outage: its beforeAll would fail and skip it whole.
    if (suite.file === suite) await this.holdDuringOutage(config, this.fileNeeds(config, suite))
  }

  /** A suite whose `beforeAll` failed: see healAfterSuiteFailure. */
  override async onAfterRunSuite(suite: RunnerTestSuite): Promise<void> {
    await super.onAfterRunSuite?.(suite)
    const config = this.settings()
    const errors = (suite.result?.errors ?? []) as ErrorLike[]
    if (!config || errors.length === 0) return
    const { healAfterSuiteFailure } = await loadFailures()
    const file = relativeFile(config.root, suite.file.filepath)
    await healAfterSuiteFailure(config, suite, errors, this.fileNeeds(config, suite.file), file)
  }

  override async onBeforeRunTask(test: RunnerTestCase): Promise<void> {
    await super.onBeforeRunTask?.(test)
    const config = this.settings()
    if (!config || test.mode !== 'run') return
    // Chaos runs with `test:`/`during:` faults: the fault is in place before the test starts.
    if (config.chaos) await this.chaosPoint(config, config.chaos.patterns, test)
    await this.loadClaims(config)
    const identity = this.identify(config, test)
    if (!isHealed(identity, this.claims, config.optIn)) return
    const state: TestHealState = {
      used: { infra: 0, flaky: 0 },
      seenErrors: 0,
      tryStartedAt: Date.now(),
      pendingHeal: undefined,
      overlapUsed: false,
      retryNext: false,
      unrecoverable: undefined,
      meta: { tries: [], needs: servicesNeeded(identity, this.claims) },
      identity,
    }
    this.states.set(test, state)
    // Our two budgets (and the one re-run of an assertion during an outage) replace the test's own
    // `retry` count; onAfterRetryTask decides each retry and the (synchronous) condition hands that
    // decision to Vitest.
    test.retry = {
      count: config.budget.infra + config.budget.flaky + 1,
      condition: () => {
        const retry = state.retryNext
        state.retryNext = false
        return retry
      },
    }
    await this.holdDuringOutage(config, state.meta.needs)
  }

  override async onBeforeTryTask(
    test: RunnerTestCase,
    options?: { retry: number; repeats: number },
  ): Promise<void> {
    // The base signature differs between 4.1 (test) and 5.x (test, options): pass both through.
    await (super.onBeforeTryTask as ((t: RunnerTestCase, o?: unknown) => unknown) | undefined)?.call(
      this,
      test,
      options,
    )
    const state = this.states.get(test)
    const config = this.healConfig
    if (!state || !config) return
    state.tryStartedAt = Date.now()
    // A service declared broken is not worth trying against: fail at once with the root cause.
    const broken = this.brokenNeed(config, state.meta.needs)
    if (broken) {
      state.unrecoverable = broken.service
      throw (await loadFailures()).brokenServiceError(broken.reason)
    }
    const pending = state.pendingHeal
    if (!options || options.retry === 0 || !pending) return
    state.pendingHeal = undefined
    await (await loadFailures()).healBeforeRetry(config, test, state, pending)
  }

  /**
   * After every try, before Vitest asks the retry condition: judge the try if it failed. Installed
   * as `onAfterRetryTask` below the class (see there).
   * @internal
   */
  async judgeFinishedTry(test: RunnerTestCase): Promise<void> {
    const state = this.states.get(test)
    const config = this.healConfig
    if (!state || !config || test.result?.state !== 'fail') return
    if (state.seenErrors >= (test.result.errors?.length ?? 0)) return
    state.retryNext = await (await loadFailures()).judgeTry(config, test, state)
  }

  override async onAfterRunTask(test: RunnerTestCase): Promise<void> {
    const state = this.states.get(test)
    // A pass at the first try says nothing Vitest's own result does not: most tests are those,
    // and their meta would only be sent to the main process and kept there (bench/overhead).
    if (state && (state.meta.tries.length > 0 || test.result?.state !== 'pass')) {
      const { judgeTry, recordTry } = await loadFailures()
      const result = test.result
      if (result?.state === 'pass') recordTry(state, 'passed', undefined, undefined, 0)
      else if (result?.state === 'fail' && state.seenErrors < (result.errors?.length ?? 0)) {
        // Errors after the last judged try (e.g. from an afterEach): judge them, with no retry left.
        await judgeTry(this.healConfig!, test, state, { final: true })
      }
      test.meta.vitestHeal = state.meta
    }
    await super.onAfterRunTask?.(test)
  }

  /** The reason of the first needed service whose breaker is open (see session.brokenFlag). */
  private brokenNeed(
    config: WorkerHealConfig,
    needs: string[],
  ): { service: string; reason: string } | undefined {
    for (const service of needs) {
      const file = join(dirname(config.outageFlag), `broken-${encodeURIComponent(service)}`)
      if (!existsSync(file)) continue
      let why = ''
      try {
        why = `: ${readFileSync(file, 'utf8')}`
      } catch {
        // removed between the two calls: the reason is lost, not the verdict
      }
      return { service, reason: `vitest-heal: service "${service}" is broken (circuit open)${why}` }
    }
    return undefined
  }

  private async holdDuringOutage(config: WorkerHealConfig, needs: string[]): Promise<void> {
    // One stat per test while all is well; the channel is only used during an outage.
    if (!existsSync(config.outageFlag)) return
    await (await loadFailures()).control(config).waitHealthy(needs, config.waitTimeoutMs)
  }

  private async chaosPoint(
    config: WorkerHealConfig,
    patterns: RegExp[],
    test: RunnerTestCase,
  ): Promise<void> {
    const name = fullName(test)
    if (!patterns.some((pattern) => matches(pattern, name))) return
    const file = relativeFile(config.root, test.file.filepath)
    await (await loadFailures()).control(config).chaosPoint({ test: name, file })
  }

  private identify(config: WorkerHealConfig, test: RunnerTestCase): TestIdentity {
    return { file: relativeFile(config.root, test.file.filepath), tags: test.tags ?? [] }
  }

  private fileNeeds(config: WorkerHealConfig, file: RunnerTestSuite): string[] {
    return servicesNeeded(
      { file: relativeFile(config.root, file.file.filepath), tags: file.tags ?? [] },
      this.claims,
    )
  }
}

/** `outer > inner`, as Vitest's reporter API and our reports name a test. */
function fullName(test: RunnerTestCase): string {
  const names = [test.name]
  for (let suite = test.suite; suite && suite !== test.file; suite = suite.suite) names.unshift(suite.name)
  // The file's own collector suite has no name: it is not part of the full name.
  return names.filter((name) => name !== '').join(' > ')
}

/** A /g or /y pattern keeps state between tests: test it from the start each time. */
function matches(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0
  return pattern.test(text)
}

type AfterRetryHook = (test: RunnerTestCase, options?: { retry: number; repeats: number }) => Promise<void>

/**
 * Vitest 5's TestRunner has an `onAfterRetryTask` of its own (trace timeline) and 4.1's has none, so
 * a method in the class body cannot compile against both (`override` is required by one and refused
 * by the other). It is installed on the prototype instead, and calls the base hook when there is one.
 */
const baseAfterRetry = (TestRunner.prototype as unknown as { onAfterRetryTask?: AfterRetryHook })
  .onAfterRetryTask
;(HealRunner.prototype as unknown as { onAfterRetryTask: AfterRetryHook }).onAfterRetryTask = async function (
  this: HealRunner,
  test,
  options,
) {
  await baseAfterRetry?.call(this, test, options)
  await this.judgeFinishedTry(test)
}
