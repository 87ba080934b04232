/**
 * The history's events, derived from a run's report by one pure function (`eventsFromReport`), so a
 * test can pin exactly what a run records. Every event carries an id made from the run id and its
 * place in the report: a spool sent twice (a crash after the insert, before the spool was removed)
 * inserts nothing the second time.
 */
import { redactSecrets } from '../core/redact.js'
import type { ReportSummary, RunReport, TestReport, TryRecord } from '../core/report.js'
import type { VerdictKind } from '../core/types.js'
import type { CiContext } from './ci.js'

/** Longest error message kept per event: the report keeps the whole text, the history only enough to recognise it. */
export const MAX_EVENT_MESSAGE = 500

/** The error type of a recovery no failing test asked for (pre-flight found the service down). */
export const PROBE_DOWN_PATTERN = 'probe.down'

export interface RunEvent extends ReportSummary {
  type: 'run'
  id: string
  runId: string
  startedAt: string
  endedAt: string
  outcome: 'passed' | 'failed'
  vitestVersion: string | null
  ci: CiContext
}

export interface FailureEvent {
  type: 'failure'
  id: string
  runId: string
  /** The run's start: every failure of a run is dated by its run, so "runs since first seen" counts it. */
  at: string
  /** project, module path relative to the root, full name, index among same-named tests (never Vitest's id). */
  testKey: string
  project: string | null
  file: string
  name: string
  index: number
  /** `test`, or where an error outside any test was thrown (`suite`, `module`, `unhandled`). */
  where: 'test' | 'suite' | 'module' | 'unhandled'
  /** The test's final outcome in this run (`flaky`: it failed, then passed with nothing found down). */
  outcome: string
  verdict: VerdictKind | null
  rule: string | null
  service: string | null
  errorName: string | null
  errorCode: string | null
  message: string
  /** 1 for the first try. */
  attempt: number
  pass: number
}

export interface RecoveryEvent {
  type: 'recovery'
  id: string
  runId: string
  at: string
  service: string
  serviceKind: string | null
  /** The rule of the failure that asked for it, or `probe.down` when a probe alone found the service down. */
  errorType: string
  strategy: string
  ok: boolean
  durationMs: number
  trigger: string
  /** How many recoveries of this service came before it in the run (escalation and repeats). */
  retryCount: number
  requests: number
  error: string | null
  ci: CiContext
}

export type HistoryEvent = RunEvent | FailureEvent | RecoveryEvent

export interface EventContext {
  runId: string
  ci: CiContext
  /** Service name → kind (`postgres`, `http`, …), from the configured services. */
  serviceKinds?: Readonly<Record<string, string>>
  /** Extra redaction patterns of the config. */
  redact?: readonly RegExp[]
  /** When the run ended (default: startedAt + durationMs). */
  endedAt?: string
}

/** Readable and free of NUL (PostgreSQL text cannot hold it, report.ts's testKey uses it). */
export function historyTestKey(test: {
  project?: string
  file: string
  name: string
  index?: number
}): string {
  const key = `${test.project ?? ''}::${test.file}::${test.name}`
  return test.index ? `${key}::${test.index}` : key
}

export function eventsFromReport(report: RunReport, context: EventContext): HistoryEvent[] {
  const startedAt = report.startedAt ?? context.endedAt ?? new Date(0).toISOString()
  const endedAt =
    context.endedAt ?? new Date(Date.parse(startedAt) + Math.max(0, report.durationMs ?? 0)).toISOString()
  const events: HistoryEvent[] = [runEvent(report, context, startedAt, endedAt)]
  let failures = 0
  for (const test of report.tests) {
    for (const failure of testFailures(test)) {
      events.push({
        ...failure,
        type: 'failure',
        id: `${context.runId}/f/${failures++}`,
        runId: context.runId,
        at: startedAt,
        message: capped(failure.message, context),
      })
    }
  }
  for (const error of report.errors ?? []) {
    const name = error.suite ?? (error.where === 'unhandled' ? '(unhandled)' : '(module)')
    const file = error.file ?? ''
    const project = error.project ?? null
    events.push({
      type: 'failure',
      id: `${context.runId}/f/${failures++}`,
      runId: context.runId,
      at: startedAt,
      testKey: historyTestKey({ project: error.project, file, name }),
      project,
      file,
      name,
      index: 0,
      where: error.where,
      outcome: error.forgiven ? 'healed' : 'failed',
      verdict: error.verdict?.kind ?? null,
      rule: error.verdict?.rule ?? null,
      service: error.verdict?.service ?? null,
      errorName: error.name || null,
      errorCode: error.code ?? null,
      message: capped(error.message, context),
      attempt: 1,
      pass: error.pass,
    })
  }
  const seen = new Map<string, number>()
  report.recoveries.forEach((record, i) => {
    const before = seen.get(record.service) ?? 0
    seen.set(record.service, before + 1)
    events.push({
      type: 'recovery',
      id: `${context.runId}/r/${i}`,
      runId: context.runId,
      at: record.startedAt,
      service: record.service,
      serviceKind: context.serviceKinds?.[record.service] ?? null,
      errorType: triggeringRule(report, record.service, record.trigger),
      strategy: record.strategy,
      ok: record.ok,
      durationMs: Math.max(0, Math.round(record.durationMs)),
      trigger: record.trigger,
      retryCount: before,
      requests: record.requests,
      error: record.error === undefined ? null : capped(record.error, context),
      ci: context.ci,
    })
  })
  return events
}

function runEvent(report: RunReport, context: EventContext, startedAt: string, endedAt: string): RunEvent {
  return {
    ...report.summary,
    type: 'run',
    id: `${context.runId}/run`,
    runId: context.runId,
    startedAt,
    endedAt,
    outcome: report.outcome,
    vitestVersion: report.vitestVersion ?? null,
    ci: context.ci,
  }
}

type FailureFields = Omit<FailureEvent, 'type' | 'id' | 'runId' | 'at'>

/** One event per failed try; a failed test without tries (an older report) gives one from its own fields. */
function testFailures(test: TestReport): FailureFields[] {
  const base = {
    testKey: historyTestKey(test),
    project: test.project ?? null,
    file: test.file,
    name: test.name,
    index: test.index ?? 0,
    where: 'test' as const,
    outcome: test.outcome,
  }
  const tries = test.tries ?? []
  if (tries.length === 0) {
    if (test.outcome !== 'failed') return []
    return [
      {
        ...base,
        verdict: test.cause,
        rule: test.rule,
        service: test.service,
        errorName: null,
        errorCode: null,
        message: '',
        attempt: Math.max(1, test.attempts),
        pass: 1,
      },
    ]
  }
  return tries.flatMap((attempt, i) => (attempt.state === 'failed' ? [tryFailure(base, attempt, i + 1)] : []))
}

function tryFailure(
  base: Omit<
    FailureFields,
    'verdict' | 'rule' | 'service' | 'errorName' | 'errorCode' | 'message' | 'attempt' | 'pass'
  >,
  attempt: TryRecord,
  n: number,
): FailureFields {
  const verdict = attempt.verdict ?? attempt.hypothesis
  const error = attempt.errors[0]
  return {
    ...base,
    verdict: verdict?.kind ?? null,
    rule: verdict?.rule ?? null,
    service: verdict?.service ?? null,
    errorName: error?.name || null,
    errorCode: error?.code ?? null,
    message: error?.message ?? '',
    attempt: n,
    pass: attempt.pass,
  }
}

/** The rule of the first failure this recovery answered; `probe.down` when none did (pre-flight, a probe). */
function triggeringRule(report: RunReport, service: string, trigger: string): string {
  if (trigger === 'preflight' || trigger === 'doctor') return PROBE_DOWN_PATTERN
  for (const test of report.tests) {
    for (const attempt of test.tries ?? []) {
      const verdict = attempt.verdict ?? attempt.hypothesis
      if (
        attempt.state === 'failed' &&
        verdict?.kind === 'infra' &&
        (attempt.recovery?.service ?? verdict.service) === service
      )
        return verdict.rule
    }
  }
  for (const error of report.errors ?? []) {
    if (error.verdict?.kind === 'infra' && error.verdict.service === service) return error.verdict.rule
  }
  return PROBE_DOWN_PATTERN
}

function capped(text: string, context: EventContext): string {
  // PostgreSQL's text cannot hold NUL; a test can throw anything.
  const redacted = redactSecrets(text, context.redact).replace(/\u0000/g, '')
  return redacted.length <= MAX_EVENT_MESSAGE ? redacted : `${redacted.slice(0, MAX_EVENT_MESSAGE - 1)}…`
}
