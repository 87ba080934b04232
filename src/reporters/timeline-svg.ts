/**
 * The run as a picture: one lane per service (health over time, recoveries with their start and
 * end), then the tests placed on the same axis: a histogram of every outcome, and one mark per
 * test that did not simply pass, so an outage and the tests it broke line up vertically.
 */
import type { TestOutcome } from '../core/report.js'
import { markup, type Markup } from './html-escape.js'
import { location, seconds, type HealthState, type ReportView, type ServiceLane } from './view.js'

const WIDTH = 1000
const GUTTER = 150
const PLOT = WIDTH - GUTTER - 20
const LANE = 36
const BINS = 120
const HISTOGRAM = 44
/** Beyond this many marks the picture is a smear; the histogram already shows the rest. */
const MAX_MARKS = 2000

const STATE_CLASS: Record<HealthState, string> = {
  healthy: 'st-healthy',
  starting: 'st-starting',
  down: 'st-down',
  recovering: 'st-recovering',
  broken: 'st-broken',
}
const STACK_ORDER: TestOutcome[] = ['passed', 'skipped', 'healed', 'flaky', 'failed']

function x(view: ReportView, ms: number): number {
  return GUTTER + (Math.min(Math.max(ms, 0), view.spanMs) / view.spanMs) * PLOT
}

function num(n: number): string {
  return n.toFixed(1)
}

function laneMarkup(view: ReportView, lane: ServiceLane, top: number): Markup {
  const segments = lane.segments.map((s) => {
    const x0 = x(view, s.from)
    const w = Math.max(1, x(view, s.to) - x0)
    const tip = `${lane.label}: ${s.state} from ${seconds(s.from)} to ${seconds(s.to)}${s.detail ? ` — ${s.detail}` : ''}`
    return markup`<rect class="health ${STATE_CLASS[s.state]}" x="${num(x0)}" y="${top}" width="${num(w)}" height="16"><title>${tip}</title></rect>`
  })
  const recoveries = lane.recoveries.map((r) => {
    const x0 = x(view, r.from)
    const x1 = Math.max(x0 + 2, x(view, r.to))
    const outcome = r.ok ? 'ok' : 'failed'
    const tip = `${lane.label}: ${r.strategy} (${r.trigger}) ${outcome} in ${seconds(r.durationMs)}, ${r.requests} request(s)${r.error ? ` — ${r.error}` : ''}`
    return markup`<g class="recovery recovery-${outcome}"><title>${tip}</title><rect x="${num(x0)}" y="${top + 20}" width="${num(x1 - x0)}" height="10"></rect><line class="recovery-start" x1="${num(x0)}" x2="${num(x0)}" y1="${top - 2}" y2="${top + 32}"></line><line class="recovery-end" x1="${num(x1)}" x2="${num(x1)}" y1="${top - 2}" y2="${top + 32}"></line></g>`
  })
  return markup`<g class="lane" data-service="${lane.service}"><text class="label" x="${GUTTER - 8}" y="${top + 13}">${lane.label}</text>${segments}${recoveries}</g>`
}

function histogram(view: ReportView, top: number): Markup {
  const bins = Array.from({ length: BINS }, () => new Map<TestOutcome, number>())
  for (const placed of view.placed) {
    const bin = Math.min(BINS - 1, Math.floor((Math.max(0, placed.at) / view.spanMs) * BINS))
    const counts = bins[bin] as Map<TestOutcome, number>
    counts.set(placed.test.outcome, (counts.get(placed.test.outcome) ?? 0) + 1)
  }
  const tallest = Math.max(1, ...bins.map((b) => [...b.values()].reduce((a, n) => a + n, 0)))
  const binWidth = PLOT / BINS
  const bars: Markup[] = []
  bins.forEach((counts, i) => {
    let y = top + HISTOGRAM
    for (const outcome of STACK_ORDER) {
      const n = counts.get(outcome) ?? 0
      if (n === 0) continue
      const h = Math.max(1, (n / tallest) * HISTOGRAM)
      y -= h
      bars.push(
        markup`<rect class="bin o-${outcome}" x="${num(GUTTER + i * binWidth)}" y="${num(y)}" width="${num(binWidth)}" height="${num(h)}"><title>${n} ${outcome}</title></rect>`,
      )
    }
  })
  return markup`<g class="histogram"><text class="label" x="${GUTTER - 8}" y="${top + HISTOGRAM / 2 + 4}">tests</text>${bars}</g>`
}

function marks(view: ReportView, top: number): Markup {
  const notable = view.placed
    .filter((p) => p.test.outcome !== 'passed' && p.test.outcome !== 'skipped')
    .slice(0, MAX_MARKS)
  const rows = { healed: 0, flaky: 1, failed: 2 } as Record<TestOutcome, number>
  const circles = notable.map((p) => {
    const cy = top + 6 + (rows[p.test.outcome] ?? 0) * 10
    const tip = `${p.test.outcome}${p.test.service ? ` (${p.test.service})` : ''}: ${p.test.name} — ${location(p.test)}`
    return markup`<circle class="test-mark o-${p.test.outcome}" cx="${num(x(view, p.at))}" cy="${cy}" r="3.5"><title>${tip}</title></circle>`
  })
  return markup`<g class="marks"><text class="label" x="${GUTTER - 8}" y="${top + 20}">healed / flaky / failed</text>${circles}</g>`
}

function axis(view: ReportView, top: number): Markup {
  const ticks = Array.from({ length: 6 }, (_, i) => (view.spanMs * i) / 5)
  return markup`<g class="axis">${ticks.map(
    (ms) =>
      markup`<line x1="${num(x(view, ms))}" x2="${num(x(view, ms))}" y1="8" y2="${top}"></line><text x="${num(x(view, ms))}" y="${top + 14}">${seconds(ms)}</text>`,
  )}</g>`
}

export function timelineSvg(view: ReportView): Markup {
  let top = 12
  const lanes = view.lanes.map((lane) => {
    const markup = laneMarkup(view, lane, top)
    top += LANE
    return markup
  })
  const hist = histogram(view, top)
  top += HISTOGRAM + 8
  const testMarks = marks(view, top)
  top += 34
  const height = top + 24
  return markup`<svg id="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="Run timeline: service health, recoveries and test outcomes over time">${axis(view, top)}${lanes}${hist}${testMarks}</svg>`
}
