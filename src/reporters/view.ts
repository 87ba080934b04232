/**
 * The one view of a run that every renderer reads: redacted once, grouped once, placed on one
 * time axis once. Renderers format it; none of them decides anything about a test on its own.
 */
import { redactSecrets } from '../core/redact.js'
import { testHistoryText } from '../core/test-history.js'
import type { FaultReport } from '../core/fault.js'
import type { PredictionReport } from '../core/prediction.js'
import type { HealthEvent, RecoveryReport, RunReport, TestReport, TryRecord } from '../core/report.js'

export type HealthState = HealthEvent['state']

/** A stretch of time during which one service stayed in one state. Times are ms since the run start. */
export interface HealthSegment {
  state: HealthState
  from: number
  to: number
  detail?: string
}

export interface ServiceLane {
  /** `db`, or `db (shard-2)` when merged reports carry the same service from several machines. */
  label: string
  service: string
  segments: HealthSegment[]
  recoveries: (RecoveryReport & { from: number; to: number })[]
  /** A chaos run's faults on this service, from injection to recovery (absent without any). */
  faults?: (FaultReport & { from: number; to: number })[]
  /** Predictions for this service, from when they crossed the threshold to the failure, if it came. */
  predictions?: (PredictionReport & { from: number; to: number })[]
}

/** A test placed on the time axis at the start of its last try. */
export interface PlacedTest {
  test: TestReport
  at: number
}

export interface ReportView {
  /** The report with every string passed through redactSecrets. */
  report: RunReport
  testBugs: TestReport[]
  infraFailures: TestReport[]
  /** Failed tests the history knows as flaky (option `quarantine`): apart, they do not fail the run. */
  quarantined: TestReport[]
  flaky: TestReport[]
  healed: TestReport[]
  /** Epoch ms of the run's start; every other time in the view is relative to it. */
  startMs: number
  /** Length of the time axis in ms (never 0, so renderers can divide by it). */
  spanMs: number
  lanes: ServiceLane[]
  placed: PlacedTest[]
}

/** Colour codes from assertion diffs: noise in files, and not even legal in XML. */
const ANSI_ESCAPE = /\u001b\[[0-9;?]*[ -/]*[@-~]/g

/** Values we write ourselves (times, enums): never user text, so never a secret, and there are many. */
const OWN_VALUES = new Set(['startedAt', 'at', 'state', 'outcome', 'cause', 'kind', 'trigger', 'contentType'])

/**
 * Every built-in secret pattern of redactSecrets needs a `=` or a `://`; most strings of a report
 * (names, paths) have neither, and skipping them halves the time to build the view of a large run.
 * test/unit/reporters/view.test.ts checks this property against redactSecrets itself.
 */
export function mayHoldBuiltInSecret(text: string): boolean {
  return text.includes('=') || text.includes('://')
}

function cleanText(text: string, extra: readonly RegExp[]): string {
  const plain = text.includes('\u001b') ? text.replace(ANSI_ESCAPE, '') : text
  return extra.length > 0 || mayHoldBuiltInSecret(plain) ? redactSecrets(plain, extra) : plain
}

/**
 * Every object and array is copied, key by key in its own order: not for safety (the input is never
 * changed either way) but for speed. A report built with object spreads, as build-report.ts builds
 * it, gives each test a hidden class of its own in V8, and every property read of every renderer
 * then misses its inline cache; the copies share a few. On bench/report's 20,000 tests the copy
 * costs ~20 ms and saves the renderers several times that; strings are shared, not copied.
 */
function cleanValue(value: unknown, key: string, extra: readonly RegExp[]): unknown {
  if (typeof value === 'string') return OWN_VALUES.has(key) ? value : cleanText(value, extra)
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((item: unknown) => cleanValue(item, key, extra))
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(value)) {
    const cleaned = cleanValue((value as Record<string, unknown>)[k], k, extra)
    // A `__proto__` key (a merged report.json may hold one) stays data, as a spread kept it.
    if (k === '__proto__')
      Object.defineProperty(out, k, { value: cleaned, enumerable: true, writable: true, configurable: true })
    else out[k] = cleaned
  }
  return out
}

/**
 * Every string in the report goes through redaction, not only the fields we know hold error text
 * today: a password that reaches a test name or a health detail must not slip through either.
 * The input is never changed; only its strings are shared with the result.
 */
export function redactReport(report: RunReport, extra: readonly RegExp[] = []): RunReport {
  return cleanValue(report, '', extra) as RunReport
}

export function buildView(report: RunReport, extra: readonly RegExp[] = []): ReportView {
  const redacted = redactReport(report, extra)
  const { startMs, endMs } = timeBounds(redacted)
  const spanMs = Math.max(1, endMs - startMs)
  return {
    report: redacted,
    testBugs: redacted.tests.filter((t) => t.outcome === 'failed' && !t.quarantined && t.cause !== 'infra'),
    infraFailures: redacted.tests.filter(
      (t) => t.outcome === 'failed' && !t.quarantined && t.cause === 'infra',
    ),
    quarantined: redacted.tests.filter((t) => t.outcome === 'failed' && t.quarantined),
    flaky: redacted.tests.filter((t) => t.outcome === 'flaky'),
    healed: redacted.tests.filter((t) => t.outcome === 'healed'),
    startMs,
    spanMs,
    lanes: buildLanes(redacted, startMs, startMs + spanMs),
    placed: placeTests(redacted.tests, startMs),
  }
}

function toMs(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? undefined : ms
}

/** The run's bounds: its declared start and duration, widened to cover every timed thing in it. */
function timeBounds(report: RunReport): { startMs: number; endMs: number } {
  let start = toMs(report.startedAt) ?? Number.POSITIVE_INFINITY
  let end = start + (report.durationMs ?? 0)
  const widen = (from: number | undefined, length = 0): void => {
    if (from === undefined) return
    start = Math.min(start, from)
    end = Math.max(end, from + length)
  }
  for (const event of report.timeline ?? []) widen(toMs(event.at))
  for (const recovery of report.recoveries) widen(toMs(recovery.startedAt), recovery.durationMs)
  for (const fault of report.faults ?? []) widen(toMs(fault.injectedAt))
  for (const prediction of report.predictions ?? []) widen(toMs(prediction.at))
  for (const test of report.tests) {
    for (const attempt of test.tries ?? []) widen(toMs(attempt.startedAt), attempt.durationMs)
  }
  if (!Number.isFinite(start)) return { startMs: 0, endMs: 0 }
  return { startMs: start, endMs: Math.max(end, start) }
}

function laneKey(service: string, source: string | undefined): string {
  return source === undefined ? service : `${service} (${source})`
}

function buildLanes(report: RunReport, startMs: number, endMs: number): ServiceLane[] {
  const lanes = new Map<string, ServiceLane>()
  const lane = (service: string, source: string | undefined): ServiceLane => {
    const label = laneKey(service, source)
    let found = lanes.get(label)
    if (!found) {
      found = { label, service, segments: [], recoveries: [] }
      lanes.set(label, found)
    }
    return found
  }

  const events = [...(report.timeline ?? [])].sort((a, b) => (toMs(a.at) ?? 0) - (toMs(b.at) ?? 0))
  const open = new Map<string, HealthSegment>()
  for (const event of events) {
    const target = lane(event.service, event.source)
    const at = (toMs(event.at) ?? startMs) - startMs
    const previous = open.get(target.label)
    if (previous) previous.to = at
    const segment: HealthSegment = { state: event.state, from: at, to: endMs - startMs }
    if (event.detail !== undefined) segment.detail = event.detail
    target.segments.push(segment)
    open.set(target.label, segment)
  }

  // The coordinator records changes only: a service whose first event is an outage at 2.1 s was
  // healthy from the start (the run passed its pre-flight), and its lane must say so rather than
  // begin empty. A first `starting` is the pre-flight bringing it up: nothing ran before it.
  for (const target of lanes.values()) {
    const first = target.segments[0]
    if (first && first.from > 0 && first.state !== 'starting') {
      target.segments.unshift({
        state: 'healthy',
        from: 0,
        to: first.from,
        detail: 'no change recorded since the start',
      })
    }
  }

  for (const recovery of report.recoveries) {
    const from = (toMs(recovery.startedAt) ?? startMs) - startMs
    lane(recovery.service, recovery.source).recoveries.push({
      ...recovery,
      from,
      to: from + recovery.durationMs,
    })
  }
  placeChaos(report, startMs, endMs, lane)
  return [...lanes.values()].sort((a, b) => a.label.localeCompare(b.label))
}

/**
 * Faults from their injection to their service's recovery (to the end of the run when it was not
 * healed, a point when nothing answered it), predictions from the alarm to the failure it foresaw.
 * A fault never injected has no place on the axis: the scorecard table lists it.
 */
function placeChaos(
  report: RunReport,
  startMs: number,
  endMs: number,
  lane: (service: string, source: string | undefined) => ServiceLane,
): void {
  for (const fault of report.faults ?? []) {
    const injected = toMs(fault.injectedAt)
    if (injected === undefined) continue
    const from = injected - startMs
    const end = toMs(fault.recoveredAt) ?? (fault.result === 'not-healed' ? endMs : toMs(fault.detectedAt))
    const target = lane(fault.service, fault.shard)
    ;(target.faults ??= []).push({ ...fault, from, to: Math.max(from, (end ?? injected) - startMs) })
  }
  for (const prediction of report.predictions ?? []) {
    const at = toMs(prediction.at)
    if (at === undefined) continue
    const from = at - startMs
    const to = Math.max(from, (toMs(prediction.failedAt) ?? at) - startMs)
    const target = lane(prediction.service, prediction.source)
    ;(target.predictions ??= []).push({ ...prediction, from, to })
  }
}

function lastTry(test: TestReport): TryRecord | undefined {
  return test.tries?.[test.tries.length - 1]
}

function placeTests(tests: TestReport[], startMs: number): PlacedTest[] {
  const placed: PlacedTest[] = []
  for (const test of tests) {
    const at = toMs(lastTry(test)?.startedAt)
    if (at !== undefined) placed.push({ test, at: at - startMs })
  }
  return placed
}

/** The file, after its project's name the way Vitest prints it (`|api| test/db.test.ts`) when there is one. */
export function projectFile(test: Pick<TestReport, 'project' | 'file'>): string {
  return test.project ? `|${test.project}| ${test.file}` : test.file
}

/** `file:line`, or the file alone when no line is known (a passing test, without includeTaskLocation). */
export function location(test: TestReport): string {
  return test.line === undefined ? projectFile(test) : `${projectFile(test)}:${test.line}`
}

/** The error that decided a failed test's outcome: the first error of its last failed try. */
export function decidingError(
  test: TestReport,
): { name: string; message: string; stack?: string } | undefined {
  const failed = (test.tries ?? []).filter((t) => t.state === 'failed')
  return failed[failed.length - 1]?.errors[0]
}

/**
 * Why an infra failure was not healed: the last failed recovery of its service says it best
 * (`pg_ctl: could not start server`); otherwise the error the test itself saw.
 */
export function rootCause(test: TestReport, recoveries: readonly RecoveryReport[]): string {
  const failedRecovery = recoveries.filter((r) => r.service === test.service && !r.ok && r.error).at(-1)
  if (failedRecovery?.error) return `recovery ${failedRecovery.strategy} failed: ${failedRecovery.error}`
  const error = decidingError(test)
  return error ? firstLine(error.message) : 'no error recorded'
}

export function firstLine(text: string, max = 200): string {
  const line = text.split('\n', 1)[0] ?? ''
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

/** The rule that decided a test's outcome, for lists that must say why. */
export function ruleOf(test: TestReport): string {
  return test.rule ?? 'default'
}

/** Durations as people read them in reports: `0.31 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`
}

/** An error as a reader wants it: the stack when there is one (it starts with the message), else name and message. */
export function errorText(error: { name: string; message: string; stack?: string }): string {
  const head = `${error.name}: ${error.message}`
  if (!error.stack) return head
  return error.stack.includes(error.message) ? error.stack : `${head}\n${error.stack}`
}

/** `flaky in 4 of 20 runs (20%), rule …` */
export function quarantineFacts(t: TestReport): string {
  const q = t.quarantined
  if (!q) return ''
  return `flaky in ${q.flakyRuns} of ${q.runs} runs (${Math.round(q.rate * 100)}%), ${t.cause ?? 'failed'}, rule ${ruleOf(t)}`
}

/** `, new: …` / `, known flaky: 4 of 20 runs (20%)` after a failed or flaky test, when the history was read. */
export function historyNote(t: TestReport): string {
  return t.history ? `, ${testHistoryText(t.history)}` : ''
}
