/**
 * The end-of-run terminal output, printed after everything Vitest printed: the one account a person
 * reads. It names what Vitest showed as failed but was healed (tests, and errors outside tests that
 * were forgiven), then what a person must act on, the report to open, the counts and the exit code.
 * The most urgent parts come last, so the last lines on screen are the ones that matter: test bugs,
 * the report's path, the counts and the result. Live status lines are src/session/status.ts.
 */
import { isAbsolute, join, relative } from 'node:path'
import type { Colors } from 'tinyrainbow'
import { summaryLine } from '../core/summary-line.js'
import { terminalLine } from '../core/terminal-text.js'
import type { RecoveryReport, RunReport, TestReport } from '../core/report.js'
import type { Verdict } from '../core/types.js'
import { colourEnabled, palette, type ColourTarget, type Env } from './colour.js'
import type { RenderContext } from './context.js'
import { HTML_FILE } from './html.js'
import { JSON_FILE } from './json.js'
import { chaosFailure, chaosLines } from './summary-chaos.js'
import {
  decidingError,
  firstLine,
  historyNote,
  location,
  quarantineFacts,
  rootCause,
  ruleOf,
  seconds,
} from './view.js'

/** Long lists belong in the HTML report; the terminal shows enough to start fixing. */
const MAX_LISTED = 20
/** Healed tests need no action: a few name the outage, the HTML report has the rest. */
const MAX_HEALED = 10

/** Kept for callers of earlier versions: the rule is src/reporters/colour.ts's. */
export function useColour(stdout: ColourTarget, env: Env): boolean {
  return colourEnabled(stdout, env)
}

/** One error outside a test, from report.errors or (older reports, merged shards) unhandledErrors. */
export interface ListedError {
  where: string
  name: string
  message: string
  verdict?: Verdict
  forgiven: boolean
  why?: string
}

/**
 * report.errors holds every error outside a test, unhandled ones included; unhandledErrors is the
 * older list of the latter. An unhandled error in both is listed once.
 */
export function outsideErrors(report: RunReport): ListedError[] {
  const listed: ListedError[] = (report.errors ?? []).map((e) => ({
    where: describeWhere(e),
    name: e.name,
    message: e.message,
    ...(e.verdict ? { verdict: e.verdict } : {}),
    forgiven: e.forgiven,
    why: e.why,
  }))
  const seen = new Set(
    (report.errors ?? []).filter((e) => e.where === 'unhandled').map((e) => `${e.name}\u0000${e.message}`),
  )
  for (const e of report.unhandledErrors ?? []) {
    if (seen.has(`${e.name}\u0000${e.message}`)) continue
    listed.push({ where: 'unhandled', ...e })
  }
  return listed
}

function describeWhere(error: NonNullable<RunReport['errors']>[number]): string {
  const file = error.file ? (error.project ? `|${error.project}| ${error.file}` : error.file) : undefined
  if (error.where === 'suite')
    return `suite hook${error.suite ? ` "${error.suite}"` : ''}${file ? ` in ${file}` : ''}`
  if (error.where === 'module') return `file level${file ? ` of ${file}` : ''}`
  return 'unhandled'
}

function section<T>(
  paint: Colors,
  title: string,
  items: readonly T[],
  entry: (item: T) => string[],
  max = MAX_LISTED,
): string[] {
  if (items.length === 0) return []
  const lines = [paint.bold(` ${title.replace('{n}', String(items.length))}`)]
  for (const item of items.slice(0, max)) lines.push(...entry(item))
  if (items.length > max) lines.push(paint.dim(`   … and ${items.length - max} more in the HTML report`))
  return lines
}

function heading(paint: Colors, mark: string, test: TestReport, facts: string): string {
  // Names, paths and facts come from tests and their errors: no escape sequence, no line break.
  return `   ${mark} ${terminalLine(location(test))} ${paint.dim('›')} ${terminalLine(test.name)}  ${paint.dim(`[${terminalLine(facts)}]`)}`
}

/**
 * TryRecovery as this file reads it: `by` as a plain string, so a kind of recovery added later
 * prints as its strategy (or `recovered`) instead of breaking the summary.
 */
interface HealingRecord {
  by: string
  strategy?: string
  durationMs?: number
  healthyAt?: string
}

/** The recovery a healed test owes its pass to: the one its last failed try recorded. */
function healingRecovery(test: TestReport): HealingRecord | undefined {
  const failed = (test.tries ?? []).filter((t) => t.state === 'failed' && t.recovery)
  return failed[failed.length - 1]?.recovery
}

/**
 * `db restart 0.31 s, healthy at 2.45 s` — the recovery and when it happened on the run's clock
 * (seconds from the start, as in the HTML report). Without a try's record (older reports), the
 * first successful recovery of the service after the test's first failure stands in.
 */
function describeHealing(test: TestReport, recoveries: readonly RecoveryReport[], startMs: number): string {
  const service = test.service ?? 'unknown service'
  const at = (iso: string | undefined): string => {
    const ms = iso === undefined ? Number.NaN : Date.parse(iso)
    return Number.isNaN(ms) ? '' : `, healthy at ${seconds(Math.max(0, ms - startMs))}`
  }
  const recovery = healingRecovery(test)
  if (recovery?.by === 'another process')
    return `${service} recovered by another process${at(recovery.healthyAt)}`
  if (recovery?.by === 'itself') return `${service} came back by itself${at(recovery.healthyAt)}`
  if (recovery?.strategy !== undefined) {
    const took = recovery.durationMs === undefined ? '' : ` ${seconds(recovery.durationMs)}`
    return `${service} ${recovery.strategy}${took}${at(recovery.healthyAt)}`
  }
  const failedAt = Date.parse(test.tries?.find((t) => t.state === 'failed')?.startedAt ?? '')
  const match = recoveries.find(
    (r) =>
      r.service === test.service &&
      r.ok &&
      r.trigger !== 'preflight' &&
      (Number.isNaN(failedAt) || Date.parse(r.startedAt) + r.durationMs >= failedAt),
  )
  if (!match) return `${service} recovered`
  const end = new Date(Date.parse(match.startedAt) + match.durationMs).toISOString()
  return `${service} ${match.strategy} ${seconds(match.durationMs)}${at(end)}`
}

function describeError(test: TestReport): string {
  const error = decidingError(test)
  return error ? `${error.name}: ${error.message}` : 'no error recorded'
}

function errorFacts(error: ListedError): string {
  const verdict = error.verdict
  if (!verdict) return 'not classified'
  return [verdict.kind, verdict.service ? `service ${verdict.service}` : '', `rule ${verdict.rule}`]
    .filter(Boolean)
    .join(', ')
}

/** Why an error from the older unhandledErrors list (which has no `why`) is forgiven or not. */
function whyOf(error: ListedError): string {
  if (error.why) return error.why
  if (error.forgiven)
    return `infra error of an outage of ${error.verdict?.service ?? 'a service'} that was healed`
  return error.verdict?.kind === 'infra'
    ? 'infra error whose outage was not healed'
    : 'not an infra error: it fails the run as it would without vitest-heal'
}

/** What made the run fail, for the result line. */
function failureReasons(report: RunReport, unforgiven: number): string[] {
  const { summary } = report
  const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`
  const reasons = [
    summary.testBug > 0 ? plural(summary.testBug, 'test bug') : '',
    summary.infra > 0 ? plural(summary.infra, 'infra failure') : '',
    unforgiven > 0 ? plural(unforgiven, 'error outside tests', 'errors outside tests') : '',
  ].filter(Boolean)
  // failOnFlaky and --expect-healed are the only other ways a run fails.
  const chaos = reasons.length === 0 ? chaosFailure(report) : undefined
  if (reasons.length === 0 && summary.flaky > 0)
    reasons.push(`${plural(summary.flaky, 'flaky test')} (failOnFlaky)`)
  if (chaos !== undefined) reasons.push(chaos)
  return reasons
}

function reportPath(ctx: RenderContext): string | undefined {
  const written = ctx.written ?? []
  const file = written.includes('html') ? HTML_FILE : written.includes('json') ? JSON_FILE : undefined
  if (file === undefined) return undefined
  const path = join(ctx.reportDir, file)
  const near = relative(process.cwd(), path)
  return near.startsWith('..') || isAbsolute(near) ? path : near
}

export function terminalSummary(ctx: RenderContext): string {
  const { view } = ctx
  const { report } = view
  const paint = palette(colourEnabled(ctx.stdout, ctx.env))
  const recoveries = report.recoveries
  const detail = (text: string): string => `     ${paint.dim(terminalLine(text))}`
  const errors = outsideErrors(report)
  const forgiven = errors.filter((e) => e.forgiven)
  const unforgiven = errors.filter((e) => !e.forgiven)

  const lines = [
    ...section(
      paint,
      'Healed ({n}): Vitest above shows them retried, failed or skipped; their service was recovered and they passed on a re-run',
      view.healed,
      (t) => [
        heading(
          paint,
          paint.green('✚'),
          t,
          `${describeHealing(t, recoveries, view.startMs)}, rule ${ruleOf(t)}, ${t.attempts} attempts`,
        ),
      ],
      MAX_HEALED,
    ),
    ...section(
      paint,
      'Forgiven errors outside tests ({n}): counted as errors by Vitest above, they do not fail the run',
      forgiven,
      (e) => [
        `   ${paint.green('✓')} ${terminalLine(`${e.where}: ${e.name}: ${firstLine(e.message)}`)}  ${paint.dim(`[${terminalLine(errorFacts(e))}]`)}`,
        detail(`why: ${whyOf(e)}`),
      ],
    ),
    ...section(paint, 'Flaky, passed on a retry ({n})', view.flaky, (t) => [
      heading(paint, paint.yellow('~'), t, `rule ${ruleOf(t)}, ${t.attempts} attempts${historyNote(t)}`),
    ]),
    ...section(paint, 'Infra failures, not recovered ({n})', view.infraFailures, (t) => [
      heading(paint, paint.red('✗'), t, `service ${t.service ?? 'unknown'}, rule ${ruleOf(t)}`),
      detail(`root cause: ${rootCause(t, recoveries)}`),
    ]),
    ...section(paint, 'Errors outside tests, not forgiven ({n})', unforgiven, (e) => [
      `   ${paint.red('✗')} ${terminalLine(`${e.where}: ${e.name}: ${firstLine(e.message)}`)}  ${paint.dim(`[${terminalLine(errorFacts(e))}]`)}`,
      detail(`why: ${whyOf(e)}`),
    ]),
    ...section(
      paint,
      'Quarantined ({n}): failed, but the history knows them as flaky; they do not fail the run',
      view.quarantined,
      (t) => [heading(paint, paint.yellow('⊘'), t, quarantineFacts(t)), detail(firstLine(describeError(t)))],
    ),
    ...section(paint, 'Test bugs ({n})', view.testBugs, (t) => [
      heading(paint, paint.red('✗'), t, `rule ${ruleOf(t)}${historyNote(t)}`),
      detail(firstLine(describeError(t))),
    ]),
    // Only recoveries whose order the history chose carry a reason: a run without one prints nothing here.
    ...section(
      paint,
      'Recovery strategies ordered by their history ({n})',
      recoveries.filter((r) => r.reason !== undefined),
      (r) => [
        `   ${paint.dim('•')} ${terminalLine(`${r.service} ${r.strategy} ${r.ok ? 'ok' : 'failed'} — ${r.reason ?? ''}`)}`,
      ],
    ),
  ]
  // A chaos run's scorecard and the predictions: nothing in a normal run.
  lines.push(...chaosLines(paint, view))
  const path = reportPath(ctx)
  if (path !== undefined) lines.push(` Report: ${path}`)

  const passed = report.outcome === 'passed'
  const tone = passed ? paint.green : paint.red
  lines.push('', ` ${tone(summaryLine(report.summary, recoveries, { outsideErrors: unforgiven.length }))}`)
  const reasons = failureReasons(report, unforgiven.length)
  lines.push(
    passed
      ? ` ${paint.green('✓ PASSED')} — exit code 0`
      : ` ${paint.red('✗ FAILED')} — exit code 1${reasons.length > 0 ? `: ${reasons.join(', ')}` : ''}`,
  )
  return `\n${lines.join('\n')}\n`
}

export function renderSummary(ctx: RenderContext): void {
  ctx.stdout.write(terminalSummary(ctx))
}
