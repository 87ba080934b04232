/**
 * GitHub Actions: a job summary appended to `$GITHUB_STEP_SUMMARY` and workflow annotations on
 * stdout (`::error` for test bugs and unrecovered infra, `::warning` for flaky and healed tests).
 */
import { appendFileSync } from 'node:fs'
import { summaryLine } from '../core/summary-line.js'
import { stripControl, terminalLine } from '../core/terminal-text.js'
import type { RecoveryReport, TestReport } from '../core/report.js'
import { chaosSummary, faultTable, predictionTable } from './chaos-rows.js'
import type { RenderContext } from './context.js'
import { decidingError, firstLine, location, quarantineFacts, rootCause, ruleOf, seconds } from './view.js'

/** GitHub shows only the first few annotations of a step; past this they are noise in the log. */
const MAX_ANNOTATIONS_PER_LEVEL = 50
/** The step summary is capped at 1 MiB; long tables are cut and point to the HTML report. */
const MAX_ROWS = 100

/** Workflow-command data: `%`, CR and LF are encoded so a message cannot end the command early. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

/** Workflow-command properties also encode `:` and `,`, which separate properties. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

export function annotation(
  level: 'error' | 'warning',
  test: TestReport,
  title: string,
  message: string,
): string {
  // Test names and messages are the test author's text: GitHub renders escape sequences in its
  // log (OSC 8 links included), so they go before the command is encoded; the encoding then keeps
  // every line break inside the one annotation.
  const props = [`file=${escapeProperty(terminalLine(test.file))}`]
  if (test.line !== undefined) props.push(`line=${test.line}`)
  props.push(`title=${escapeProperty(terminalLine(title))}`)
  return `::${level} ${props.join(',')}::${escapeData(stripControl(message))}`
}

/**
 * A markdown table cell: no HTML or escape sequence from a test reaches the page, and `|` or a
 * newline cannot break the row.
 */
export function cell(text: string | number | null | undefined): string {
  return terminalLine(String(text ?? ''))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ')
}

function table(headers: string[], rows: (string | number | null | undefined)[][]): string[] {
  const lines = [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`]
  for (const row of rows.slice(0, MAX_ROWS)) lines.push(`| ${row.map(cell).join(' | ')} |`)
  if (rows.length > MAX_ROWS) lines.push('', `… and ${rows.length - MAX_ROWS} more rows in the HTML report.`)
  return lines
}

function testTable(
  title: string,
  tests: readonly TestReport[],
  headers: string[],
  row: (t: TestReport) => (string | number | null)[],
): string[] {
  if (tests.length === 0) return []
  return [
    '',
    `### ${title} (${tests.length})`,
    '',
    ...table(
      ['test', 'location', ...headers],
      tests.map((t) => [t.name, location(t), ...row(t)]),
    ),
  ]
}

function recoveryRows(recoveries: readonly RecoveryReport[]): (string | number)[][] {
  return recoveries.map((r) => [
    r.service,
    r.strategy,
    r.trigger,
    r.ok ? 'ok' : `failed: ${r.error ?? ''}`,
    seconds(r.durationMs),
    r.requests,
  ])
}

/** The scorecard of a chaos run and the predictions, each a table; nothing in a normal run. */
function chaosSection({ view }: RenderContext): string[] {
  const lines: string[] = []
  const line = chaosSummary(view)
  const faults = faultTable(view)
  if (line !== undefined && faults)
    lines.push('', '### Chaos', '', '`' + line + '`', '', ...table(faults.headers, faults.rows))
  const predictions = predictionTable(view)
  if (predictions) {
    lines.push(
      '',
      `### Predictions (${predictions.rows.length})`,
      '',
      ...table(predictions.headers, predictions.rows),
    )
  }
  return lines
}

export function jobSummary(ctx: RenderContext): string {
  const { view } = ctx
  const { report } = view
  const s = report.summary
  const lines = [
    `## vitest-heal: ${report.outcome === 'passed' ? '✅ passed' : '❌ failed'}`,
    '',
    '`' + summaryLine(s, report.recoveries) + '`',
    '',
    ...table(
      ['outcome', 'tests'],
      [
        ['✓ passed', s.passed],
        ['✚ healed', s.healed],
        ['~ flaky', s.flaky],
        ['✗ test bug', s.testBug],
        ['✗ infra', s.infra],
        ['○ skipped', s.skipped],
        ['total', s.total],
      ],
    ),
  ]
  if (report.recoveries.length > 0) {
    lines.push(
      '',
      '### Recoveries',
      '',
      ...table(
        ['service', 'strategy', 'trigger', 'result', 'duration', 'requests'],
        recoveryRows(report.recoveries),
      ),
    )
  }
  lines.push(...chaosSection(ctx))
  const error = (t: TestReport): string => firstLine(decidingError(t)?.message ?? '', 160)
  lines.push(
    ...testTable('Healed', view.healed, ['service', 'rule', 'attempts'], (t) => [
      t.service,
      ruleOf(t),
      t.attempts,
    ]),
    ...testTable('Flaky', view.flaky, ['rule', 'attempts', 'first error'], (t) => [
      ruleOf(t),
      t.attempts,
      firstLine(t.tries?.find((x) => x.state === 'failed')?.errors[0]?.message ?? '', 160),
    ]),
    ...testTable('Test bugs', view.testBugs, ['rule', 'error'], (t) => [ruleOf(t), error(t)]),
    ...testTable(
      'Quarantined (known flaky, not failing the run)',
      view.quarantined,
      ['history', 'error'],
      (t) => [quarantineFacts(t), error(t)],
    ),
    ...testTable(
      'Infra failures, not recovered',
      view.infraFailures,
      ['service', 'rule', 'root cause'],
      (t) => [t.service, ruleOf(t), rootCause(t, report.recoveries)],
    ),
  )
  return `${lines.join('\n')}\n`
}

export function annotations({ view }: RenderContext): string[] {
  const errors = [
    ...view.testBugs.map((t) =>
      annotation(
        'error',
        t,
        `Test bug: ${t.name}`,
        `${firstLine(decidingError(t)?.message ?? 'failed')} (rule ${ruleOf(t)})`,
      ),
    ),
    ...view.infraFailures.map((t) =>
      annotation(
        'error',
        t,
        `Infra failure (${t.service ?? 'unknown service'}): ${t.name}`,
        `${rootCause(t, view.report.recoveries)} (rule ${ruleOf(t)})`,
      ),
    ),
  ]
  const warnings = [
    ...view.flaky.map((t) =>
      annotation('warning', t, `Flaky: ${t.name}`, `passed after ${t.attempts} attempts (rule ${ruleOf(t)})`),
    ),
    ...view.healed.map((t) =>
      annotation(
        'warning',
        t,
        `Healed: ${t.name}`,
        `${t.service ?? 'a service'} was recovered and the test passed on attempt ${t.attempts} (rule ${ruleOf(t)})`,
      ),
    ),
  ]
  return [...errors.slice(0, MAX_ANNOTATIONS_PER_LEVEL), ...warnings.slice(0, MAX_ANNOTATIONS_PER_LEVEL)]
}

export function renderGithub(ctx: RenderContext): void {
  const lines = annotations(ctx)
  if (lines.length > 0) ctx.stdout.write(`${lines.join('\n')}\n`)
  const summaryFile = ctx.env.GITHUB_STEP_SUMMARY
  if (summaryFile) appendFileSync(summaryFile, jobSummary(ctx))
}

/** A reporter entry as Vitest's resolved config holds it: a name, a `[name, options]` tuple, or an instance. */
export type VitestReporterEntry = unknown

/**
 * Vitest's own `github-actions` reporter writes a job summary (4.1+) and an `::error` for every test
 * that failed in any pass, healed or not: with ours on, users would get a second, unhealed account.
 * Returns the reporters without it; the plugin assigns the result back to `vitest.config.reporters`
 * in `configureVitest`, before Vitest creates them.
 */
export function withoutVitestGithubActions(reporters: readonly VitestReporterEntry[]): VitestReporterEntry[] {
  return reporters.filter(
    (entry) => entry !== 'github-actions' && !(Array.isArray(entry) && entry[0] === 'github-actions'),
  )
}
