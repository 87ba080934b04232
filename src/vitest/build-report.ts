/**
 * Both passes of a run → one RunReport (report.json's shape). The outcome of each test comes from
 * its tries through core's computeOutcome, the one place that decides it.
 */
import { classify } from '../core/classify.js'
import { computeOutcome, runOutcome, summarize } from '../core/outcome.js'
import { recoveryInRun } from '../core/recovery-evidence.js'
import type { FaultInjection } from '../core/fault.js'
import type { PredictionReport } from '../core/prediction.js'
import { redactSecrets } from '../core/redact.js'
import { chaosFails, scoreFaults } from '../core/scorecard.js'
import {
  moduleKey,
  testKey,
  type HealthEvent,
  type RecoveryReport,
  type RunReport,
  type TestReport,
  type TryRecord,
} from '../core/report.js'
import type { ErrorLike, RecoveryRecord, Rule, ServiceRef, Verdict } from '../core/types.js'
import type { CollectedPass, CollectedTest } from './collector.js'
import { relativeFile } from './paths.js'
import { outsideErrors } from './outside-errors.js'
import type { InlineHealedFailure } from './worker-config.js'

export type { InlineHealedFailure }

export interface BuildReportInput {
  passes: CollectedPass[]
  services: ServiceRef[]
  rules: Rule[]
  records: RecoveryRecord[]
  timeline: HealthEvent[]
  failOnFlaky: boolean
  redact: RegExp[]
  startedAt: Date
  durationMs: number
  vitestVersion?: string
  /** Absolute report directory: attachment paths in the report are relative to it. */
  reportDir: string
  /** A chaos run's faults as the injector applied them: scored into `faults[]` (core/scorecard.ts). */
  faults?: FaultInjection[]
  /** `--expect-healed`: a fault that was not healed fails the run. */
  expectHealed?: boolean
  /** Predictions that crossed the threshold, for `predictions[]`. */
  predictions?: PredictionReport[]
  /**
   * `--resume`: the tests the dead run had done, from its journal, as they were reported there.
   * The passes hold the rest; `resumedFrom` names the dead run.
   */
  carried?: TestReport[]
  resumedFrom?: { runId: string; startedAt: string }
}

export function buildRunReport(input: BuildReportInput): RunReport {
  const classifyErrors = (errors: ErrorLike[], tags: string[]): Verdict =>
    classify({ errors, tags }, { services: input.services, rules: input.rules })
  const clean = (text: string) => redactSecrets(text, input.redact)
  const byKey = new Map<string, TestReport>()
  const triesByKey = new Map<string, TryRecord[]>()
  /** Module-level failures of pass 1, to put in front of the tries of that module's tests re-run in pass 2. */
  const moduleFailures = new Map<string, TryRecord>()
  for (const test of input.carried ?? []) byKey.set(testKey(test), test)

  for (const pass of input.passes) {
    const passNumber = (input.passes.indexOf(pass) === 0 ? 1 : 2) as 1 | 2
    for (const test of pass.tests) {
      const module = moduleKey(test)
      if (pass.selection && !pass.selection.keys.has(test.key) && !pass.selection.modules.has(module))
        continue
      const earlier =
        triesByKey.get(test.key) ?? (moduleFailures.has(module) ? [moduleFailures.get(module)!] : [])
      const before = passNumber === 2 ? withRecoveryInRun(earlier, input.records, input.timeline) : earlier
      const tries = [...before, ...triesOf(test, passNumber, classifyErrors, clean)]
      triesByKey.set(test.key, tries)
      byKey.set(test.key, testReport(test, tries, input.reportDir))
    }
    for (const module of pass.modules) {
      // A module that failed before collecting a test has no test to carry its error (it is in
      // `errors`, and counts no test, as in Vitest) until the second pass collects its tests.
      if (passNumber !== 1 || module.errors.length === 0) continue
      const failed = failedTry(module.errors, classifyErrors(module.errors, []), passNumber, 0, clean)
      moduleFailures.set(moduleKey(module), failed)
    }
  }

  const tests = [...byKey.values()]
  const carried = input.carried?.length ?? 0
  const summary = summarize(tests)
  const errors = outsideErrors({
    passes: input.passes,
    records: input.records,
    timeline: input.timeline,
    classify: (errors) => classifyErrors(errors, []),
    clean,
  })
  const unhandledErrors = errors
    .filter((e) => e.where === 'unhandled')
    .map(({ name, message, verdict, forgiven, why }) => ({ name, message, verdict, forgiven, why }))
  const unforgiven = errors.filter((e) => !e.forgiven).length
  const report: RunReport = {
    version: 1,
    outcome: runOutcome(summary, { failOnFlaky: input.failOnFlaky, unforgivenErrors: unforgiven }),
    summary,
    tests,
    recoveries: input.records.map(recoveryReport),
    startedAt: input.startedAt.toISOString(),
    durationMs: input.durationMs,
    vitestVersion: input.vitestVersion,
    timeline: input.timeline,
    unhandledErrors,
    errors,
    ...(input.resumedFrom
      ? { resumedFrom: { ...input.resumedFrom, executed: tests.length - carried, carried } }
      : {}),
  }
  // Only a run that asked for faults or predictions carries them: a normal report.json is unchanged.
  if (input.faults) {
    const { faults, score } = scoreFaults(input.faults, report)
    report.faults = faults
    if (chaosFails(score, faults, input.expectHealed ?? false)) report.outcome = 'failed'
  }
  if (input.predictions) report.predictions = input.predictions
  return report
}

/**
 * One test's report entry from one pass alone (the run journal writes it as the test ends): the
 * same tries and outcome buildRunReport gives it, before a second pass adds to them.
 */
export function testReportOf(
  test: CollectedTest,
  input: Pick<BuildReportInput, 'services' | 'rules' | 'redact' | 'reportDir'>,
): TestReport {
  const classifyErrors = (errors: ErrorLike[], tags: string[]): Verdict =>
    classify({ errors, tags }, { services: input.services, rules: input.rules })
  const clean = (text: string) => redactSecrets(text, input.redact)
  return testReport(test, triesOf(test, test.pass, classifyErrors, clean), input.reportDir)
}

/** `{ project }` for a named project, nothing for the one unnamed project of a plain config. */
function projectOf(item: { project?: string | undefined }): { project?: string } {
  return item.project ? { project: item.project } : {}
}

function testReport(test: CollectedTest, tries: TryRecord[], reportDir: string): TestReport {
  return {
    ...projectOf(test),
    file: test.file,
    name: test.name,
    ...(test.index ? { index: test.index } : {}),
    ...computeOutcome(tries),
    line: test.line,
    durationMs: Math.round(test.durationMs),
    tries,
    ...(test.attachments.length > 0
      ? {
          attachments: test.attachments.map((a) => ({
            ...a,
            path: relativeFile(reportDir, a.path),
          })),
        }
      : {}),
  }
}

function triesOf(
  test: CollectedTest,
  pass: 1 | 2,
  classifyErrors: (errors: ErrorLike[], tags: string[]) => Verdict,
  clean: (text: string) => string,
): TryRecord[] {
  if (test.meta && test.meta.tries.length > 0) {
    const inline = test.inlineHeals
    let offset = 0
    return test.meta.tries.flatMap((t, index): TryRecord[] => {
      const errors = test.errors.slice(offset, offset + t.errorCount)
      offset += t.errorCount
      const healedInside = inline.filter((f) => f.duringTry === index).map((f) => inlineTry(f, pass, clean))
      return [
        ...healedInside,
        {
          state: t.state,
          pass,
          durationMs: Math.round(t.durationMs),
          startedAt: new Date(t.startedAt).toISOString(),
          errors: errors.map((e) => serialiseError(e, clean)),
          ...(t.hypothesis ? { hypothesis: t.hypothesis } : {}),
          ...(t.verdict ? { verdict: t.verdict } : {}),
          ...(t.recovery ? { recovery: t.recovery } : {}),
        },
      ]
    })
  }
  const startedAt = test.startTime !== undefined ? new Date(test.startTime).toISOString() : undefined
  if (test.state === 'passed') {
    // The runner leaves no meta on a test that passed at its first try: a page load healed inside
    // that try still comes before it.
    const healedInside = test.inlineHeals.map((f) => inlineTry(f, pass, clean))
    return [
      ...healedInside,
      { state: 'passed', pass, durationMs: Math.round(test.durationMs), startedAt, errors: [] },
    ]
  }
  if (test.state === 'failed') {
    return [failedTry(test.errors, classifyErrors(test.errors, test.tags), pass, test.durationMs, clean)]
  }
  // Skipped because a beforeAll (or the module) around it failed: that failure is this test's.
  if (test.hostErrors.length > 0) {
    return [failedTry(test.hostErrors, classifyErrors(test.hostErrors, test.tags), pass, 0, clean)]
  }
  return []
}

/**
 * Pass 1's last failed try before a pass-2 re-run: an infra try without a recovery gets the one its
 * service had in the run, if any, so a pass-2 pass is `healed` only over a real outage.
 */
function withRecoveryInRun(
  tries: TryRecord[],
  records: RecoveryRecord[],
  timeline: HealthEvent[],
): TryRecord[] {
  const last = tries.at(-1)
  if (!last || last.state !== 'failed' || last.verdict?.kind !== 'infra' || last.recovery) return tries
  const recovery = recoveryInRun(last.verdict.service, records, timeline)
  return recovery ? [...tries.slice(0, -1), { ...last, recovery }] : tries
}

function inlineTry(failure: InlineHealedFailure, pass: 1 | 2, clean: (text: string) => string): TryRecord {
  return {
    state: 'failed',
    pass,
    durationMs: Math.round(failure.durationMs),
    startedAt: new Date(failure.startedAt).toISOString(),
    errors: [serialiseError(failure.error, clean)],
    hypothesis: failure.verdict,
    verdict: failure.verdict,
    ...(failure.recovery ? { recovery: failure.recovery } : {}),
  }
}

function failedTry(
  errors: ErrorLike[],
  verdict: Verdict,
  pass: 1 | 2,
  durationMs: number,
  clean: (text: string) => string,
): TryRecord {
  return {
    state: 'failed',
    pass,
    durationMs: Math.round(durationMs),
    errors: errors.map((e) => serialiseError(e, clean)),
    hypothesis: verdict,
    verdict,
  }
}

function serialiseError(error: ErrorLike, clean: (text: string) => string): TryRecord['errors'][number] {
  return {
    name: String(error.name ?? 'Error'),
    message: clean(String(error.message ?? '')),
    ...(typeof error.stack === 'string' ? { stack: clean(error.stack) } : {}),
    ...(error.code !== undefined ? { code: String(error.code) } : {}),
  }
}

function recoveryReport(record: RecoveryRecord): RecoveryReport {
  return { ...record, durationMs: Math.round(record.durationMs) }
}
