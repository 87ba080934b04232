/**
 * One per `vitest` instance in the main process: wraps `vitest.start` so that after the normal run
 * it runs the second pass (what the inline path could not heal), then writes the merged reports
 * and sets the exit code to the healed result.
 *
 * Why wrap `start` rather than act in a reporter's `onTestRunEnd`: awaiting a re-run there
 * deadlocks (the new run waits for the current one, which waits for the reporter). `start` returns
 * after the run and before `close()`, so the pool, the global setups and the services are still up.
 */
import type { Reporter, SerializedError, TestCase, TestModule, TestSpecification, Vitest } from 'vitest/node'
import { classify } from '../core/classify.js'
import { isHealed } from '../core/needs.js'
import { moduleKey, type RunReport } from '../core/report.js'
import type { Verdict } from '../core/types.js'
import { writeReports } from '../reporters/index.js'
import { recordHistory } from '../history/record.js'
import { historyTestKey } from '../history/events.js'
import { loadKnownFlaky } from '../history/known-flaky.js'
import { applyQuarantine } from '../core/quarantine.js'
import { annotateTestHistory } from '../core/test-history.js'
import type { HealSession } from '../session/session.js'
import { buildRunReport } from './build-report.js'
import { serviceClaims } from './claims.js'
import { HealCollector, type CollectedPass, type CollectedTest } from './collector.js'
import { RunJournal } from './journal.js'
import { startFromJournal, takeJournalRequest, type FromJournal } from './journal-resume.js'
import { dropForgivenErrors, forgivenErrors } from './forgiven-errors.js'
import { mergeSecondPass } from './merge-state.js'
import { ReporterHold } from './reporter-hold.js'
import { stampUnhandledErrors } from './error-time.js'
import { markOverloadedTimeouts } from '../predict/predictor-evidence.js'
import { resolve } from 'node:path'

const CONTROLLERS = Symbol.for('vitest-heal.controllers')

export class RunController {
  readonly collector = new HealCollector()
  readonly sessions: HealSession[] = []
  private readonly sessionsByKey = new Map<string, HealSession>()
  private readonly vitest: Vitest
  /** The user's Vitest reporters, held so that they tell one run: both passes merged. */
  private readonly hold = new ReporterHold()
  /** What each test ended with, on disk as the run goes: what `--resume` starts from. */
  readonly journal = new RunJournal(
    () => this.journalContext(),
    () => this.collector.pass,
  )
  private readonly ownReporters = new Set<object>([this.collector, this.journal])
  /** Set when `--resume` / `--last-failed` started this run from the journal. */
  private fromJournal: FromJournal | undefined

  static for(vitest: Vitest): RunController {
    const holder = globalThis as unknown as Record<symbol, WeakMap<Vitest, RunController> | undefined>
    holder[CONTROLLERS] ??= new WeakMap()
    let controller = holder[CONTROLLERS].get(vitest)
    if (!controller) {
      controller = new RunController(vitest)
      holder[CONTROLLERS].set(vitest, controller)
    }
    return controller
  }

  private constructor(vitest: Vitest) {
    this.vitest = vitest
    vitest.config.reporters.push(this.collector as never, this.journal as never)
    // When each unhandled error came: one thrown while a service was down is blamed on it (outside-errors.ts).
    stampUnhandledErrors(vitest)
    // Watch mode: each run (the first and every re-run) gets its reports and terminal summary as it
    // ends; there is no second pass and the exit code is not ours. Added after the collector, whose
    // onTestRunEnd has then stored the run.
    let runStartedAt = new Date()
    const watchReporter = {
      onTestRunStart: () => {
        runStartedAt = new Date()
      },
      onTestRunEnd: () => {
        if (this.vitest.config.watch) this.finishWatchRun(runStartedAt)
      },
    }
    this.ownReporters.add(watchReporter)
    vitest.config.reporters.push(watchReporter as never)
    const start = vitest.start.bind(vitest)
    vitest.start = async (filters?: string[]) => {
      const startedAt = new Date()
      // Watch mode has no second pass: every run is told as it is.
      if (!this.vitest.config.watch) this.hold.install(reportersOf(this.vitest), this.ownReporters)
      try {
        const request = this.vitest.config.watch ? undefined : takeJournalRequest()
        const started = request ? await this.startFromJournal(request, filters) : undefined
        if (started?.kind === 'nothing') {
          process.exitCode = started.exitCode
          return { testModules: [], unhandledErrors: [] }
        }
        const result = started?.kind === 'run' ? started.result : await start(filters)
        if (!this.vitest.config.watch) await this.finish(startedAt)
        return result
      } finally {
        // Whatever ended the run early (a thrown error, a cancel), the reporters still end it.
        await this.hold.release()
      }
    }
  }

  /** The session of these services in this run: made by `create` the first time (`shared: false`). */
  sessionFor(key: string, create: () => HealSession): { session: HealSession; shared: boolean } {
    const existing = this.sessionsByKey.get(key)
    if (existing) return { session: existing, shared: true }
    const session = create()
    // A prediction's checkpoint puts what the journal holds on the disk before the failure comes.
    session.checkpoint = async () => this.journal.checkpoint()
    this.sessionsByKey.set(key, session)
    this.sessions.push(session)
    return { session, shared: false }
  }

  private async finish(startedAt: Date): Promise<void> {
    // A resumed run whose dead run had done every test still writes the merged report.
    if (this.fromJournal && this.collector.passes.length === 0)
      this.collector.passes.push({ tests: [], modules: [], unhandledErrors: [], reason: 'passed' })
    if (this.collector.passes.length === 0) return
    if (this.fromJournal && this.collector.passes[0]) this.fromJournal.select(this.collector.passes[0])
    await this.secondPass()
    const report = this.runReport(startedAt)
    if (report) await this.testHistory(report)
    // Vitest's reporters first, ours last: the last lines a user reads are the healed account.
    await this.releaseReporters(report)
    if (!report) return
    this.writeReports(report)
    this.journal.end(report, this.collector.passes[0]?.reason === 'interrupted')
    await recordHistory(report, this.sessions[0]?.options, this.vitest.config.root)
    // Vitest set exitCode = 1 for the first pass's failures and unhandled errors; the healed result decides.
    process.exitCode = report.outcome === 'passed' ? 0 : 1
  }

  /**
   * What the history knows of each failed or flaky test (`tests[].history`: new or known flaky),
   * and, with option `quarantine`, the known-flaky failures that then do not fail the run.
   */
  private async testHistory(report: RunReport): Promise<void> {
    const options = this.sessions[0]?.options
    if (!options?.history || (report.summary.failed === 0 && report.summary.flaky === 0)) return
    const known = await loadKnownFlaky({
      dir: resolve(this.vitest.config.root, options.history.dir),
      ...(options.history.url === undefined ? {} : { url: options.history.url }),
    })
    annotateTestHistory(report.tests, known, historyTestKey)
    if (!options.quarantine) return
    const count = applyQuarantine(report, known, options.quarantine, {
      failOnFlaky: options.failOnFlaky,
      keyOf: historyTestKey,
    })
    if (count > 0) this.status(`quarantine: ${count} failed test(s) known as flaky do not fail the run`)
  }

  /**
   * The held `onTestRunEnd` of the user's reporters, called once: with the modules of both passes
   * merged (see merge-state.ts) and only the errors outside tests our report does not forgive.
   */
  private async releaseReporters(report: RunReport | undefined): Promise<void> {
    const held = this.hold.firstRunEnd()
    const [first, second] = this.collector.passes
    if (!held || !first) return
    const replacements = second?.selection
      ? mergeSecondPass(first, second)
      : new Map<TestModule, TestModule>()
    const modules = held[0].map((module) => replacements.get(module) ?? module)
    const forgiven = report ? forgivenErrors(this.collector.passes, report) : new Set<unknown>()
    dropForgivenErrors(modules, forgiven)
    const errors = [...first.unhandledErrors, ...(second?.unhandledErrors ?? [])].filter(
      (error) => !forgiven.has(error),
    ) as unknown as SerializedError[]
    const reason =
      held[2] === 'interrupted' || modules.length === 0
        ? held[2]
        : modules.some((m) => !m.ok()) || errors.length > 0
          ? 'failed'
          : 'passed'
    keepUnhandledErrors(this.vitest, errors)
    await this.hold.release([modules, errors, reason])
  }

  /** How many recoveries and health events earlier watch runs already reported. */
  private reported = { records: 0, timeline: 0 }

  private finishWatchRun(startedAt: Date): void {
    if (this.collector.passes.length === 0) return
    const report = this.runReport(startedAt)
    if (report) this.writeReports(report)
    // Each watch run stands alone, and a long watch session must not keep every run in memory.
    this.collector.passes.length = 0
  }

  /** The report of the collected passes. */
  private runReport(startedAt: Date): RunReport | undefined {
    const session = this.sessions[0]
    if (!session) return undefined
    const options = session.options
    const reportDir = resolve(this.vitest.config.root, options.reportDir)
    const records = this.sessions.flatMap((s) => s.allRecords())
    const timeline = this.sessions.flatMap((s) => s.timeline())
    // A chaos run's faults, for the scorecard; `--expect-healed` fails the run when one was not healed.
    const chaos = this.sessions.filter((s) => s.chaos !== undefined)
    const predictions = this.sessions.flatMap((s) => s.predictions())
    const report = buildRunReport({
      passes: this.collector.passes,
      services: this.sessions.flatMap((s) => s.serviceRefs()),
      rules: options.rules,
      // In watch mode, what happened since the last report; in a single run, that is everything.
      records: records.slice(this.reported.records),
      timeline: timeline.slice(this.reported.timeline),
      failOnFlaky: options.failOnFlaky,
      redact: options.redact,
      startedAt,
      durationMs: Date.now() - startedAt.getTime(),
      vitestVersion: this.vitest.version,
      reportDir,
      // Absent, not empty, when nothing was predicted: a normal report.json is unchanged.
      ...(predictions.length > 0 ? { predictions } : {}),
      ...(chaos.length > 0
        ? {
            faults: chaos.flatMap((s) => s.chaos!.injections()),
            expectHealed: chaos.some((s) => s.options.chaos?.expectHealed === true),
          }
        : {}),
      ...(this.fromJournal ? { carried: this.fromJournal.carried } : {}),
      ...(this.fromJournal?.resumedFrom ? { resumedFrom: this.fromJournal.resumedFrom } : {}),
    })
    this.reported = { records: records.length, timeline: timeline.length }
    // A test that timed out on every try on an overloaded host says so (the outcome stays failed).
    markOverloadedTimeouts(
      report,
      this.sessions.flatMap((s) => s.sampler?.recent('host') ?? []),
    )
    return report
  }

  /** The report written in every format the options ask for. */
  private writeReports(report: RunReport): void {
    const options = this.sessions[0]?.options
    if (!options) return
    const reportDir = resolve(this.vitest.config.root, options.reportDir)
    writeReports(report, { reportDir, reporters: options.reporters, redact: options.redact })
  }

  /**
   * Re-runs, once their service is healthy again, the tests an outage broke that the inline path
   * could not heal: tests skipped by a failed `beforeAll`, modules that failed to load, and infra
   * failures whose retries ran out during the outage. One specification per module.
   */
  /** The journal's context: off in watch mode (each run stands alone), with `journal: false`, and before a session exists. */
  private journalContext() {
    const options = this.sessions[0]?.options
    if (!options || this.vitest.config.watch || options.journal === false) return undefined
    return {
      reportDir: resolve(this.vitest.config.root, options.reportDir),
      redact: options.redact,
      services: this.sessions.flatMap((s) => s.options.services.map((service) => service.ref())),
      rules: options.rules,
      vitestVersion: this.vitest.version,
      warn: (text: string) => this.sessions[0]?.status.line('warn', text),
    }
  }

  /** `--resume` / `--last-failed` (src/vitest/journal-resume.ts); without a session, a plain run. */
  private async startFromJournal(mode: 'resume' | 'last-failed', filters: string[] | undefined) {
    const session = this.sessions[0]
    if (!session) return undefined
    const started = await startFromJournal(this.vitest, mode, {
      reportDir: resolve(this.vitest.config.root, session.options.reportDir),
      journal: this.journal,
      status: (tone, text) => session.status.line(tone, text),
      filters,
    })
    if (started.kind === 'everything') return undefined
    if (started.kind === 'run') this.fromJournal = started.fromJournal
    return started
  }

  private async secondPass(): Promise<void> {
    const first = this.collector.passes[0]
    if (!first || (this.vitest as unknown as { isCancelling?: boolean }).isCancelling) return
    const plan = this.planSecondPass(first)
    if (plan.specs.length === 0) return
    for (const service of plan.services) {
      const healthy = await this.healForSecondPass(service)
      if (!healthy) {
        this.status(`second pass skipped: ${service} is still not healthy`)
        return
      }
    }
    this.status(
      `second pass: re-running ${plan.count} test(s) in ${plan.specs.length} file(s) the outage broke`,
    )
    this.collector.pass = 2
    this.hold.mute()
    // A sharded run's first pass already took this shard's files: the second pass re-runs exactly
    // its own selection, which Vitest would otherwise shard again (and refuse, with fewer files than shards).
    const config = this.vitest.config as { shard?: unknown }
    const shard = config.shard
    config.shard = undefined
    // The summary lists healed tests by file:line, and a test skipped by its failed beforeAll has no
    // error to take a line from: the second pass (a few files) collects Vitest's locations, which the
    // first pass leaves off for speed (src/core/test-location.ts).
    const unlocated = [...new Set(plan.specs.map((s) => s.project.config))].filter(
      (c) => !c.includeTaskLocation,
    )
    for (const projectConfig of unlocated) projectConfig.includeTaskLocation = true
    try {
      await this.vitest.runTestSpecifications(plan.specs)
    } finally {
      config.shard = shard
      for (const projectConfig of unlocated) projectConfig.includeTaskLocation = false
    }
    const second = this.collector.passes[1]
    if (second) second.selection = plan.selection
  }

  private planSecondPass(first: CollectedPass) {
    const services = new Set<string>()
    const byModule = new Map<TestModule, TestCase[]>()
    const wholeModules: TestModule[] = []
    const selection = { keys: new Set<string>(), modules: new Set<string>() }
    const refs = this.sessions.flatMap((s) => s.serviceRefs())
    const rules = this.sessions[0]?.options.rules ?? []
    const optIn = this.sessions[0]?.options.optIn ?? false
    const claims = serviceClaims(this.sessions.flatMap((s) => s.options.services))
    const blame = (verdict: Verdict) => {
      if (verdict.service) services.add(verdict.service)
      else for (const ref of refs) services.add(ref.name)
    }
    for (const test of first.tests) {
      // The second pass re-runs only tests vitest-heal may heal: never heal:off, and with optIn only the opted in.
      if (!isHealed({ file: test.file, tags: test.tags }, claims, optIn)) continue
      const verdict = brokenByOutage(test, (errors, tags) =>
        classify({ errors, tags }, { services: refs, rules }),
      )
      if (!verdict) continue
      blame(verdict)
      const cases = byModule.get(test.testCase.module) ?? []
      cases.push(test.testCase)
      byModule.set(test.testCase.module, cases)
      selection.keys.add(test.key)
    }
    for (const module of first.modules) {
      if (module.errors.length === 0 || first.tests.some((t) => moduleKey(t) === moduleKey(module))) continue
      // No test was collected, so no tag is known: with optIn, only a file a service claims is re-run.
      if (!isHealed({ file: module.file, tags: [] }, claims, optIn)) continue
      const verdict = classify({ errors: module.errors }, { services: refs, rules })
      if (verdict.kind !== 'infra') continue
      blame(verdict)
      wholeModules.push(module.testModule)
      selection.modules.add(moduleKey(module))
    }
    const specs: TestSpecification[] = [
      ...[...byModule].map(([module, cases]) => module.toTestSpecification(cases)),
      ...wholeModules.map((module) => module.project.createSpecification(module.moduleId)),
    ]
    return { specs, services: [...services], selection, count: selection.keys.size + wholeModules.length }
  }

  private async healForSecondPass(service: string): Promise<boolean> {
    for (const session of this.sessions) {
      if (!session.hasService(service)) continue
      const result = await session.heal(service, { failedAt: Date.now(), trigger: 'second-pass' })
      return result.healthy
    }
    return false
  }

  private status(text: string): void {
    this.sessions[0]?.status.line('working', text)
  }
}

/** Vitest's reporter instances (created before `start`; not in Vitest's public types). */
function reportersOf(vitest: Vitest): ReadonlyArray<Reporter> {
  return (vitest as unknown as { reporters?: Reporter[] }).reporters ?? []
}

/**
 * Vitest's state holds the second pass's unhandled errors only (each run clears them); reporters
 * that read the state rather than their arguments (4.1's html) must see the same list as the rest.
 */
function keepUnhandledErrors(vitest: Vitest, errors: ReadonlyArray<SerializedError>): void {
  const state = vitest.state as unknown as { clearErrors?: () => void; errorsSet?: Set<unknown> }
  if (!state.errorsSet || !state.clearErrors) return
  state.clearErrors()
  for (const error of errors) state.errorsSet.add(error)
}

/** The infra verdict that broke this test in the first pass, when an outage (not a bug) did. */
function brokenByOutage(
  test: CollectedTest,
  classifyErrors: (errors: CollectedTest['errors'], tags: string[]) => Verdict,
): Verdict | undefined {
  if (test.state === 'failed') {
    const last = test.meta?.tries.at(-1)
    const verdict = last?.verdict ?? classifyErrors(test.errors, test.tags)
    return verdict.kind === 'infra' ? verdict : undefined
  }
  if (test.state === 'skipped' && test.hostErrors.length > 0) {
    const verdict = classifyErrors(test.hostErrors, test.tags)
    return verdict.kind === 'infra' ? verdict : undefined
  }
  return undefined
}
