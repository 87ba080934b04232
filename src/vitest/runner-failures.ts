/**
 * What the worker runner does once a try failed, a suite failed or a needed service is broken:
 * classify the failure, spend a retry budget, ask the main process to heal, confirm the verdict
 * with its probe. Loaded by runner.ts on first use, so a test file whose tests all pass never
 * compiles this module or its imports (the classifier, the retry policy, our errors, the channel):
 * Vitest isolates test files, and every file would pay for them again (bench/overhead).
 */
import type { RunnerTestCase, RunnerTestSuite } from 'vitest'
import { classify } from '../core/classify.js'
import { confirmVerdict, isAmbiguousRule } from '../core/confirm.js'
import { decideRetry, type RetryBudget } from '../core/retry-policy.js'
import type { TestIdentity } from '../core/needs.js'
import type { TryRecovery } from '../core/report.js'
import type { ErrorLike, Verdict } from '../core/types.js'
import { HealError } from '../errors.js'
import { workerChannel, type WorkerChannel } from './worker-channel.js'
import type { TaskHealMeta, WorkerHealConfig } from './worker-config.js'

export interface TestHealState {
  used: RetryBudget
  /** How many of `test.result.errors` earlier tries already accounted for. */
  seenErrors: number
  tryStartedAt: number
  /**
   * The failed try whose infra verdict waits for a recovery before the next try, and the budget its
   * retry spent (`flaky` when nobody was blamed: see decideRetry).
   */
  pendingHeal: { verdict: Verdict; failedAt: number; tryIndex: number; budget: 'infra' | 'flaky' } | undefined
  /** The one re-run of a test-bug try that overlapped an outage (rule `outage-overlap`) was spent. */
  overlapUsed: boolean
  /** What judgeTry decided about the try that just failed; the retry condition reads it. */
  retryNext: boolean
  /** The service whose recovery failed or whose breaker is open, when that ended a try. */
  unrecoverable: string | undefined
  meta: TaskHealMeta
  identity: TestIdentity
}

/** The worker's control channel (shared with the Selenium fixture), opened on first use. */
export function control(config: WorkerHealConfig): WorkerChannel {
  return workerChannel(config.socket)
}

/**
 * A `beforeAll` (or a module's top level) that failed because a service was down skips its tests:
 * they cannot be retried here, but asking for the recovery now holds the other files back and has
 * the service healthy for the second pass.
 */
export async function healAfterSuiteFailure(
  config: WorkerHealConfig,
  suite: RunnerTestSuite,
  errors: ErrorLike[],
  needs: string[],
  file: string,
): Promise<void> {
  const verdict = classify(
    { errors, tags: needs.map((n) => `needs:${n}`) },
    { services: config.services.map((s) => s.ref), rules: config.rules },
  )
  if (verdict.kind === 'flaky') {
    await explainByOutage(config, suite, errors, needs, file, verdict)
    return
  }
  if (verdict.kind !== 'infra') return
  await control(config).heal({
    service: verdict.service,
    failedAt: Date.now(),
    test: `${file} > ${suite.name}`,
    evidence: verdict.evidence,
  })
}

/**
 * A hook that timed out while a service was down (its waiter sat on a connection the outage killed)
 * failed because of the outage: the evidence, which service and when, is added to the suite's
 * errors as our own E_OUTAGE_OVERLAP error, so the main process blames that service (rule
 * `vitest-heal.outage-overlap`) and the second pass re-runs its tests. The timeout stays reported.
 * Only an outage that overlapped the suite's run and was recovered counts; without `needs`, any
 * declared service may be the one.
 */
async function explainByOutage(
  config: WorkerHealConfig,
  suite: RunnerTestSuite,
  errors: ErrorLike[],
  needs: string[],
  file: string,
  verdict: Verdict,
): Promise<void> {
  const since = suite.result?.startTime ?? Date.now()
  for (const service of needs.length > 0 ? needs : ['*']) {
    const reply = await control(config).heal({
      service,
      failedAt: since,
      test: `${file} > ${suite.name}`,
      evidence: `hook failed: ${verdict.evidence}`,
    })
    const recovery = reply.healthy ? reply.recovery : undefined
    if (!recovery) continue
    const ref = config.services.find((s) => s.ref.name === recovery.service)?.ref
    const address = ref?.host && ref.port ? ` (${ref.host}:${ref.port})` : ''
    errors.push({
      name: 'HealError',
      code: 'E_OUTAGE_OVERLAP',
      message: `vitest-heal: ${recovery.service}${address} was down while this hook ran (down from ${recovery.downAt ?? '?'} to ${recovery.healthyAt ?? '?'}): its failure (${verdict.evidence}) is the outage's`,
      stack: '',
    })
    return
  }
}

/** A service declared broken is not worth trying against: the try fails at once with the root cause. */
export function brokenServiceError(reason: string): HealError {
  return new HealError('E_CIRCUIT_OPEN', reason)
}

/**
 * Before a retry whose previous try failed as infra: the recovery, then the verdict confirmed by
 * what the main process's probe found. Throws when the service could not be made healthy.
 */
export async function healBeforeRetry(
  config: WorkerHealConfig,
  test: RunnerTestCase,
  state: TestHealState,
  pending: NonNullable<TestHealState['pendingHeal']>,
): Promise<void> {
  const reply = await control(config).heal({
    service: pending.verdict.service,
    failedAt: pending.failedAt,
    test: `${state.identity.file} > ${test.name}`,
    evidence: pending.verdict.evidence,
  })
  const tried = state.meta.tries[pending.tryIndex]
  if (tried) {
    const confirmed = confirmVerdict(
      pending.verdict,
      reply.probed,
      isAmbiguousRule(pending.verdict.rule, config.rules),
    )
    // Infra with nobody blamed: the coordinator says which service it found down.
    const found =
      confirmed.verdict.kind === 'infra' && confirmed.verdict.service === undefined && reply.service
    tried.verdict = found ? { ...confirmed.verdict, service: reply.service } : confirmed.verdict
    // Only an outage seen and recovered makes the test `healed` if the retry passes (computeOutcome).
    if (tried.verdict.kind === 'infra' && reply.recovery) tried.recovery = reply.recovery
    if (confirmed.verdict.kind === 'flaky' && pending.budget === 'infra') {
      // The service was fine: this retry is a flaky one after all.
      state.used.infra--
      state.used.flaky++
    } else if (found && pending.budget === 'flaky') {
      // Nobody was blamed, but a service was found down: the retry was an infra one after all.
      state.used.flaky--
      state.used.infra++
    }
  }
  if (reply.code === 'E_CIRCUIT_OPEN' || (!reply.healthy && reply.error)) {
    state.unrecoverable = pending.verdict.service ?? reply.service
    const service = state.unrecoverable ?? 'the blamed service'
    throw reply.code === 'E_CIRCUIT_OPEN'
      ? new HealError(
          'E_CIRCUIT_OPEN',
          `vitest-heal: ${service} is broken (circuit open): ${reply.error ?? ''}`,
        )
      : new HealError('E_RECOVERY_FAILED', `vitest-heal: ${service} could not be recovered: ${reply.error}`)
  }
}

/**
 * Classifies the failed try, records it, and spends a budget (true: retry) or stops (false). A
 * test-bug try of a test that needs services first asks whether one of them was down during it.
 */
export async function judgeTry(
  config: WorkerHealConfig,
  test: RunnerTestCase,
  state: TestHealState,
  opts: { final?: boolean } = {},
): Promise<boolean> {
  const errors = (test.result?.errors ?? []).slice(state.seenErrors) as ErrorLike[]
  state.seenErrors = test.result?.errors?.length ?? 0
  const tags = [...state.identity.tags, ...state.meta.needs.map((n) => `needs:${n}`)]
  const unrecoverable = errors.find((e) => e.code === 'E_CIRCUIT_OPEN' || e.code === 'E_RECOVERY_FAILED')
  // Our own verdict on our own error: the outage was real and could not be healed.
  const verdict: Verdict = unrecoverable
    ? {
        kind: 'infra',
        ...(state.unrecoverable ? { service: state.unrecoverable } : {}),
        rule:
          unrecoverable.code === 'E_CIRCUIT_OPEN'
            ? 'vitest-heal.circuit-open'
            : 'vitest-heal.recovery-failed',
        evidence: String(unrecoverable.message ?? '').slice(0, 300),
      }
    : classify({ errors, tags }, { services: config.services.map((s) => s.ref), rules: config.rules })
  const breakerOpen = unrecoverable !== undefined
  const overlap =
    !opts.final && (verdict.kind === 'test-bug' || verdict.kind === 'flaky') && !state.overlapUsed
      ? await outageDuringTry(config, test, state, verdict)
      : undefined
  const decision = opts.final
    ? { retry: false, budget: null, reason: 'no retry left' }
    : decideRetry(verdict, state.used, config.budget, { breakerOpen, outageOverlap: overlap !== undefined })
  const tryIndex = recordTry(state, 'failed', verdict, decision.reason, errors.length)
  if (!decision.retry || decision.budget === null) return false
  if (decision.budget === 'outage') {
    state.overlapUsed = true
    const tried = state.meta.tries[tryIndex]!
    tried.verdict = overlapVerdict(verdict, overlap!)
    tried.recovery = overlap
    return true
  }
  state.used[decision.budget]++
  if (verdict.kind === 'infra') {
    // The failure may have begun as early as the try did: a recovery that ended after that (another
    // test asked first, this one met the outage's aftermath, e.g. a lost WebDriver session) is this
    // failure's recovery and is reused, not mistaken for "nothing was down".
    state.pendingHeal = { verdict, failedAt: triedSince(test, state), tryIndex, budget: decision.budget }
  }
  return true
}

/**
 * Whether a service the test needs was down while the try ran: the coordinator answers from its
 * recoveries (one that ended after the try started is reused: `failedAt` is the try's start) or by
 * probing now, and recovers a service it finds down before it replies. Only a service that was
 * down and is back counts; a healthy probe means the assertion is the test's own.
 */
async function outageDuringTry(
  config: WorkerHealConfig,
  test: RunnerTestCase,
  state: TestHealState,
  verdict: Verdict,
): Promise<TryRecovery | undefined> {
  const since = triedSince(test, state)
  for (const service of state.meta.needs) {
    const reply = await control(config).heal({
      service,
      failedAt: since,
      test: `${state.identity.file} > ${test.name}`,
      evidence: `${verdict.kind === 'flaky' ? 'timeout' : 'assertion'} during the try: ${verdict.evidence}`,
    })
    if (reply.healthy && reply.recovery) return reply.recovery
  }
  return undefined
}

/** The verdict of a test-bug try re-run because its service was down during it. */
function overlapVerdict(verdict: Verdict, recovery: TryRecovery): Verdict {
  const window = recovery.downAt ? ` (down from ${recovery.downAt} to ${recovery.healthyAt ?? '?'})` : ''
  return {
    kind: 'infra',
    service: recovery.service,
    rule: 'outage-overlap',
    evidence: `${verdict.evidence} — while ${recovery.service} was down${window}`.slice(0, 300),
  }
}

export function recordTry(
  state: TestHealState,
  outcome: 'passed' | 'failed',
  verdict: Verdict | undefined,
  decision: string | undefined,
  errorCount: number,
): number {
  state.meta.tries.push({
    errorCount,
    state: outcome,
    hypothesis: verdict,
    verdict,
    startedAt: state.tryStartedAt,
    durationMs: Date.now() - state.tryStartedAt,
    decision,
  })
  return state.meta.tries.length - 1
}

/**
 * Since when an outage can explain this try's failure: the try's start, or the end of the last
 * outage a helper already healed inside it (a page load the Selenium fixture reloaded), which is
 * over before the failure.
 */
function triedSince(test: RunnerTestCase, state: TestHealState): number {
  const healedInside = (test.meta.vitestHealInline ?? []).map((f) => f.startedAt + f.durationMs)
  return Math.max(state.tryStartedAt, ...healedInside)
}
