/**
 * The terminal's chaos block: the scorecard line, a row per fault, a row per prediction, in
 * aligned columns. Printed by summary.ts just before the report's path; nothing without faults or
 * predictions.
 */
import type { Colors } from 'tinyrainbow'
import type { RunReport } from '../core/report.js'
import { chaosFails, chaosScore } from '../core/scorecard.js'
import { terminalLine } from '../core/terminal-text.js'
import { chaosSummary, faultTable, predictionTable, type TextTable } from './chaos-rows.js'
import type { ReportView } from './view.js'

/** A long run can raise many alarms; the HTML report lists them all. */
const MAX_PREDICTIONS = 20

const RESULT_TONE: Record<string, keyof Pick<Colors, 'green' | 'red' | 'yellow' | 'dim'>> = {
  healed: 'green',
  'not-healed': 'red',
  'not-injected': 'yellow',
  'no-effect': 'dim',
  yes: 'green',
  open: 'dim',
}

/** Columns padded to their widest cell; the last column's cell is coloured by its first word. */
function aligned(paint: Colors, table: TextTable, max: number): string[] {
  const rows = [table.headers, ...table.rows.slice(0, max)].map((row) => row.map((c) => terminalLine(c)))
  const widths = table.headers.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  const lines = rows.map((row, index) => {
    const cells = row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
    const last = cells.pop() ?? ''
    const tone = RESULT_TONE[last.split(/[:\s]/, 1)[0] ?? '']
    const painted = index === 0 ? last : tone ? paint[tone](last) : last
    const line = `   ${[...cells, painted].join('  ')}`
    return index === 0 ? paint.dim(line) : line
  })
  if (table.rows.length > max)
    lines.push(paint.dim(`   … and ${table.rows.length - max} more in the HTML report`))
  return lines
}

export function chaosLines(paint: Colors, view: ReportView): string[] {
  const lines: string[] = []
  const line = chaosSummary(view)
  const faults = faultTable(view)
  if (line !== undefined && faults)
    lines.push(paint.bold(` ${line}`), ...aligned(paint, faults, faults.rows.length))
  const predictions = predictionTable(view)
  if (predictions) {
    lines.push(
      paint.bold(` Predictions (${predictions.rows.length})`),
      ...aligned(paint, predictions, MAX_PREDICTIONS),
    )
  }
  return lines
}

/**
 * Why `--expect-healed` failed the run, for the result line: `2 faults not healed (--expect-healed)`;
 * undefined when its faults would not fail it.
 */
export function chaosFailure(report: RunReport): string | undefined {
  const faults = report.faults ?? []
  const score = chaosScore(faults, report)
  if (!chaosFails(score, faults, true)) return undefined
  const failing = faults.filter((f) => f.result !== 'healed' && f.result !== 'no-effect').length
  const what =
    failing > 0
      ? `${failing} ${failing === 1 ? 'fault' : 'faults'} not healed`
      : `${score.testsLost} ${score.testsLost === 1 ? 'test' : 'tests'} lost to faults`
  return `${what} (--expect-healed)`
}
