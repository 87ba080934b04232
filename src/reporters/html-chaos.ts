/**
 * The HTML report's part of a chaos run and of the predictions: the scorecard table with its line,
 * the predictions table, their legend and their styles. Every function returns nothing for a run
 * without faults or predictions, so a normal page is byte for byte what it was. The timeline marks
 * themselves are drawn by timeline-svg.ts, in each service's lane.
 */
import {
  chaosSummary,
  FAULT_HEADERS,
  faultTable,
  predictionTable,
  testsHit,
  type TextTable,
} from './chaos-rows.js'
import { markup, trusted, type Markup } from './html-escape.js'
import { projectFile, type ReportView } from './view.js'

const STYLE = `
.fault .span{fill:#fb8500;opacity:.35}.fault path{fill:#fb8500}.fault.fault-not-healed path,.fault.fault-not-healed .span{fill:#cf222e}
.tl-plot .fault-label{fill:#bc4c00}.tl-plot .fault-not-healed .fault-label{fill:#cf222e}
.prediction .span{fill:#8250df;opacity:.3}.prediction circle{fill:#8250df}.prediction.prediction-false circle{fill:#fff;stroke:#8250df;stroke-width:1.5}
.tl-plot .prediction-label{fill:#8250df}
.r-healed{color:#1a7f37}.r-not-healed{color:#cf222e}.r-no-effect,.r-not-injected{color:#656d76}
`

function hasChaos(view: ReportView): boolean {
  return (view.report.faults?.length ?? 0) > 0 || (view.report.predictions?.length ?? 0) > 0
}

/** Rules for the marks and tables below, appended to the page's one stylesheet. */
export function chaosStyle(view: ReportView): Markup {
  return hasChaos(view) ? trusted(STYLE) : markup``
}

export function chaosLegend(view: ReportView): Markup {
  if (!hasChaos(view)) return markup``
  const items: [Markup, string][] = []
  if (view.report.faults?.length) {
    items.push([
      markup`<svg width="14" height="12" class="fault"><rect class="span" x="0" y="3" width="14" height="6"></rect><path d="M1 0h7l-3.5 6z"></path></svg>`,
      'fault injected (▼), until its service was healthy again',
    ])
  }
  if (view.report.predictions?.length) {
    items.push([
      markup`<svg width="14" height="12" class="prediction"><rect class="span" x="0" y="3" width="14" height="6"></rect><circle cx="4" cy="6" r="3.5"></circle></svg>`,
      'prediction (●), until the failure it foresaw',
    ])
  }
  return markup`<p class="legend">${items.map(([icon, label]) => markup`<span>${icon} ${label}</span>`)}</p>`
}

/**
 * Each cell escaped by markup``; the result column carries its class for colour. `detail` may
 * unfold a cell (a fault's tests hit) below its text.
 */
function table(
  id: string,
  data: TextTable,
  resultClass: (cell: string) => string,
  detail: (row: number, column: number) => Markup | undefined = () => undefined,
): Markup {
  const last = data.headers.length - 1
  return markup`<table id="${id}"><thead><tr>${data.headers.map((h) => markup`<th>${h}</th>`)}</tr></thead><tbody>${data.rows.map(
    (row, r) =>
      markup`<tr>${row.map((cell, i) => (i === last ? markup`<td class="${resultClass(cell)}">${cell}</td>` : markup`<td>${detail(r, i) ?? cell}</td>`))}</tr>`,
  )}</tbody></table>`
}

/** The tests a fault hit, by name with their outcome, folded under their count. */
function testsHitDetail(view: ReportView, row: number, column: number): Markup | undefined {
  const fault = view.report.faults?.[row]
  if (!fault || column !== FAULT_HEADERS.indexOf('tests hit') || fault.tests.length === 0) return undefined
  return markup`<details><summary>${testsHit(fault)}</summary>${fault.tests.map(
    (t) =>
      markup`<div class="meta">${projectFile(t)} › ${t.name} — <span class="o-${t.outcome.split('/', 1)[0] ?? ''}">${t.outcome}</span></div>`,
  )}</details>`
}

/** The scorecard (its line and a row per fault) and the predictions, after the recoveries. */
export function chaosSection(view: ReportView): Markup {
  const line = chaosSummary(view)
  const faults = faultTable(view)
  const predictions = predictionTable(view)
  const scorecard =
    line !== undefined && faults
      ? markup`<h2>Chaos scorecard (${faults.rows.length} ${faults.rows.length === 1 ? 'fault' : 'faults'})</h2><div class="line" id="chaos-line">${line}</div>${table(
          'faults',
          faults,
          (cell) => `r-${cell.split(':', 1)[0] ?? ''}`,
          (row, column) => testsHitDetail(view, row, column),
        )}`
      : markup``
  const alarms = predictions
    ? markup`<h2>Predictions (${predictions.rows.length})</h2>${table('predictions', predictions, (cell) =>
        cell === 'yes' ? 'r-healed' : cell === 'open' ? 'r-no-effect' : 'r-not-healed',
      )}`
    : markup``
  return markup`${scorecard}${alarms}`
}
