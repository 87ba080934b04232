/**
 * The end-of-run terminal output: the lists a person acts on (test bugs, unrecovered infra,
 * flaky), each entry with file:line and the rule that decided it, then the one-line summary last
 * so it is what stays on screen. Live status lines during a heal are src/session/status.ts.
 */
import { summaryLine } from '../core/summary-line.js'
import type { TestReport } from '../core/report.js'
import type { OutputStream, RenderContext } from './context.js'
import { decidingError, firstLine, location, rootCause, ruleOf } from './view.js'

/** Long lists belong in the HTML report; the terminal shows enough to start fixing. */
const MAX_LISTED = 20

const ANSI = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
} as const
export type Tone = keyof typeof ANSI
type Paint = (tone: Tone, text: string) => string

/** Colour only for a person at a terminal, and never when they asked for none (no-color.org). */
export function useColour(stdout: OutputStream, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  return stdout.isTTY === true
}

function painter(colour: boolean): Paint {
  if (!colour) return (_tone, text) => text
  return (tone, text) => `\x1b[${ANSI[tone][0]}m${text}\x1b[${ANSI[tone][1]}m`
}

function section(
  paint: Paint,
  title: string,
  tests: readonly TestReport[],
  entry: (t: TestReport) => string[],
): string[] {
  if (tests.length === 0) return []
  const lines = [paint('bold', ` ${title} (${tests.length})`)]
  for (const test of tests.slice(0, MAX_LISTED)) lines.push(...entry(test))
  if (tests.length > MAX_LISTED)
    lines.push(paint('dim', `   … and ${tests.length - MAX_LISTED} more in the HTML report`))
  return lines
}

function heading(paint: Paint, symbol: string, tone: Tone, test: TestReport, facts: string): string {
  return `   ${paint(tone, symbol)} ${location(test)} ${paint('dim', '›')} ${test.name}  ${paint('dim', `[${facts}]`)}`
}

export function terminalSummary(ctx: RenderContext): string {
  const { view } = ctx
  const paint = painter(useColour(ctx.stdout, ctx.env))
  const recoveries = view.report.recoveries
  const detail = (text: string): string => `     ${paint('dim', text)}`

  const lines = [
    ...section(paint, 'Test bugs', view.testBugs, (t) => [
      heading(paint, '✗', 'red', t, `rule ${ruleOf(t)}`),
      detail(firstLine(describeError(t))),
    ]),
    ...section(paint, 'Infra failures, not recovered', view.infraFailures, (t) => [
      heading(paint, '✗', 'red', t, `service ${t.service ?? 'unknown'}, rule ${ruleOf(t)}`),
      detail(`root cause: ${rootCause(t, recoveries)}`),
    ]),
    ...section(paint, 'Flaky (passed on a retry)', view.flaky, (t) => [
      heading(paint, '~', 'yellow', t, `rule ${ruleOf(t)}, ${t.attempts} attempts`),
    ]),
  ]
  const unforgiven = (view.report.unhandledErrors ?? []).filter((e) => !e.forgiven)
  if (unforgiven.length > 0) {
    lines.push(paint('bold', ` Errors outside tests (${unforgiven.length})`))
    for (const error of unforgiven.slice(0, MAX_LISTED))
      lines.push(`   ${paint('red', '✗')} ${error.name}: ${firstLine(error.message)}`)
  }

  const summary = summaryLine(view.report.summary, recoveries)
  const tone: Tone = view.report.outcome === 'passed' ? 'green' : 'red'
  lines.push('', ` ${paint(tone, summary)}`)
  return `\n${lines.join('\n')}\n`
}

function describeError(test: TestReport): string {
  const error = decidingError(test)
  return error ? `${error.name}: ${error.message}` : 'no error recorded'
}

export function renderSummary(ctx: RenderContext): void {
  ctx.stdout.write(terminalSummary(ctx))
}
