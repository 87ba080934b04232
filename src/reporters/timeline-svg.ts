/**
 * The run as a picture: one row per service (health over time, each outage marked, each recovery
 * labelled where it happened), then the tests, one row per file, with a tick per try, so an outage
 * and the tests it broke line up vertically.
 *
 * Each row is HTML (its label stays readable text at any page width) around an SVG whose x axis is
 * in percent of the run, so the picture stretches with the page. What must stay visible however
 * short it was (an outage of 20 ms in a 10-minute run, one try) is drawn in pixels: a nested
 * `<svg>` placed at a percentage holds a fixed-size marker, and a try is a line with a stroke width.
 */
import type { TestOutcome, TestReport, TryRecord } from '../core/report.js'
import { markup, type Markup } from './html-escape.js'
import {
  location,
  projectFile,
  seconds,
  type HealthSegment,
  type HealthState,
  type ReportView,
  type ServiceLane,
} from './view.js'

/** Ticks at 0, 20 %, … 100 %: the stylesheet draws the matching grid lines as the rows' background. */
const TICKS = 5
/** One row per file up to this many; the rest (files where everything passed first) share packed rows. */
const MAX_FILE_ROWS = 40
/** Past this many packed files, their spans are not drawn: see packedRow. */
const MAX_PACKED_SPANS = 300
/** Packed rows hold files that ran one after another; beyond this many, files share a row's time. */
const MAX_PACKED_ROWS = 6
/** What a 12 px label needs per character, and the plot's width on an 800 px page: see labelLevels. */
const LABEL_CHAR_PX = 6.8
const NARROW_PLOT_PX = 560
const LABEL_LINE = 13
/** Passed ticks closer than 1/TICK_RESOLUTION of the axis are drawn once: see ticks. */
const TICK_RESOLUTION = 2000
/** Past this fraction of the axis a label goes left of its mark, so it stays inside the picture. */
const LABEL_FLIP = 0.72

const STATE_CLASS: Record<HealthState, string> = {
  healthy: 'st-healthy',
  starting: 'st-starting',
  down: 'st-down',
  recovering: 'st-recovering',
  broken: 'st-broken',
}

function fraction(view: ReportView, ms: number): number {
  return Math.min(Math.max(ms, 0), view.spanMs) / view.spanMs
}

function pct(view: ReportView, ms: number): string {
  return `${(fraction(view, ms) * 100).toFixed(2)}%`
}

function widthPct(view: ReportView, from: number, to: number): string {
  return `${(Math.max(0, fraction(view, to) - fraction(view, from)) * 100).toFixed(2)}%`
}

/** A label at a point of the axis, on the side where it has room. */
function labelAt(view: ReportView, ms: number, y: number, text: string, cls: string): Markup {
  const flip = fraction(view, ms) > LABEL_FLIP
  return markup`<svg x="${pct(view, ms)}" overflow="visible"><text class="${cls}" x="${flip ? -8 : 8}" y="${y}" text-anchor="${flip ? 'end' : 'start'}">${text}</text></svg>`
}

/**
 * Labels near each other would print over each other: each goes on the first level where it
 * overlaps none, measured on a narrow page (800 px), so it holds on any wider one too.
 */
function labelLevels(view: ReportView, labels: readonly { ms: number; text: string }[]): number[] {
  const ends: number[] = []
  return labels.map(({ ms, text }) => {
    const at = fraction(view, ms)
    const width = (text.length * LABEL_CHAR_PX + 16) / NARROW_PLOT_PX
    const [from, to] = at > LABEL_FLIP ? [at - width, at] : [at, at + width]
    let level = ends.findIndex((end) => end <= from)
    if (level === -1) level = ends.push(0) - 1
    ends[level] = to
    return level
  })
}

function row(
  cls: string,
  label: string,
  title: string,
  height: number,
  body: Markup | Markup[],
  data = markup``,
): Markup {
  return markup`<div class="tl-row ${cls}"${data}><div class="tl-label" title="${title}"><bdi>${label}</bdi></div><svg class="tl-plot" height="${height}" overflow="visible">${body}</svg></div>`
}

function axisRow(view: ReportView): Markup {
  const ticks = Array.from({ length: TICKS + 1 }, (_, i) => {
    const ms = (view.spanMs * i) / TICKS
    const anchor = i === 0 ? 'start' : i === TICKS ? 'end' : 'middle'
    return markup`<text x="${pct(view, ms)}" y="13" text-anchor="${anchor}">${seconds(ms)}</text>`
  })
  return row('tl-axis', 'seconds from start', 'one clock for the timeline and the tables', 18, ticks)
}

/** An outage keeps a visible width and a marker above it, whatever its length. */
function outageMarker(view: ReportView, lane: ServiceLane, segment: HealthSegment, barY: number): Markup {
  const { from, state, detail } = segment
  const tip = `${lane.label}: ${state} at ${seconds(from)}${detail ? ` — ${detail}` : ''}`
  return markup`<svg class="outage" x="${pct(view, from)}" overflow="visible"><title>${tip}</title><rect class="${STATE_CLASS[state]}" x="0" y="${barY}" width="5" height="14"></rect><path class="outage-marker ${STATE_CLASS[state]}" d="M-3.5 ${barY - 11}h12l-6 8z"></path></svg>`
}

function laneRow(view: ReportView, lane: ServiceLane): Markup {
  // Each entry into `down` or `broken` is an outage a reader must not miss.
  const outages = lane.segments.filter(
    (s, i) => (s.state === 'down' || s.state === 'broken') && lane.segments[i - 1]?.state !== s.state,
  )
  const outageLabels = outages.map((s) => ({
    ms: s.from,
    text: `${s.state} ${seconds(s.from)}`,
    state: s.state,
  }))
  const outageLevels = labelLevels(view, outageLabels)
  const above = Math.max(1, ...outageLevels.map((l) => l + 1))
  const barY = 12 + (above - 1) * LABEL_LINE
  const recoveryY = barY + 18

  const segments = lane.segments.map((s) => {
    const tip = `${lane.label}: ${s.state} from ${seconds(s.from)} to ${seconds(s.to)}${s.detail ? ` — ${s.detail}` : ''}`
    return markup`<rect class="health ${STATE_CLASS[s.state]}" x="${pct(view, s.from)}" y="${barY}" width="${widthPct(view, s.from, s.to)}" height="14"><title>${tip}</title></rect>`
  })
  const markers = outages.map((s) => outageMarker(view, lane, s, barY))
  const outageText = outageLabels.map((l, i) =>
    labelAt(
      view,
      l.ms,
      barY - 3 - (outageLevels[i] ?? 0) * LABEL_LINE,
      l.text,
      `outage-label ${STATE_CLASS[l.state]}-text`,
    ),
  )

  const recoveryLabels = lane.recoveries.map((r) => ({
    ms: r.from,
    text: r.ok
      ? `${r.strategy} ok in ${seconds(r.durationMs)}`
      : `${r.strategy} failed after ${seconds(r.durationMs)}`,
  }))
  const recoveryLevels = labelLevels(view, recoveryLabels)
  const recoveries = lane.recoveries.map((r, i) => {
    const outcome = r.ok ? 'ok' : 'failed'
    const tip = `${lane.label}: ${r.strategy} (${r.trigger}) at ${seconds(r.from)}, ${outcome} in ${seconds(r.durationMs)}, ${r.requests} request(s)${r.error ? ` — ${r.error}` : ''}`
    const y = recoveryY + 8 + 12 + (recoveryLevels[i] ?? 0) * LABEL_LINE
    return markup`<g class="recovery recovery-${outcome}"><title>${tip}</title><rect x="${pct(view, r.from)}" y="${recoveryY}" width="${widthPct(view, r.from, r.to)}" height="8"></rect><svg x="${pct(view, r.from)}" overflow="visible"><rect x="0" y="${recoveryY}" width="3" height="8"></rect></svg>${labelAt(view, r.from, y, recoveryLabels[i]?.text ?? '', 'recovery-label')}</g>`
  })
  const below = lane.recoveries.length === 0 ? 0 : Math.max(...recoveryLevels) + 1
  const height = recoveryY + 8 + 4 + below * LABEL_LINE + (below > 0 ? 4 : 0)
  const chaos = chaosMarks(view, lane, height)
  return row(
    'lane',
    lane.label,
    lane.label,
    height + chaos.height,
    [...segments, ...markers, ...outageText, ...recoveries, ...chaos.body],
    markup` data-service="${lane.service}"`,
  )
}

interface ChaosMark {
  from: number
  to: number
  cls: string
  shape: Markup
  text: string
  tip: string
}

/**
 * A chaos run's faults and the predictions of this lane's service, under its recoveries: a span
 * from when each began to when it ended (faults on one band, predictions on the next), a marker
 * of fixed size where it began, and a label. Nothing, and no height, for a lane without any.
 */
function chaosMarks(view: ReportView, lane: ServiceLane, top: number): { body: Markup[]; height: number } {
  const faults = lane.faults ?? []
  const predictions = lane.predictions ?? []
  if (faults.length === 0 && predictions.length === 0) return { body: [], height: 0 }
  const marks: ChaosMark[] = [
    ...faults.map((f) => ({
      from: f.from,
      to: f.to,
      cls: `fault fault-${f.result}`,
      shape: markup`<path d="M-3.5 ${top}h7l-3.5 6z"></path>`,
      text: `${f.id} ${f.kind}: ${f.result}`,
      tip: `${lane.label}: fault ${f.id} ${f.source} injected at ${seconds(f.from)}, ${f.result}${f.recoveredAt ? `, healthy again at ${seconds(f.to)}` : ''}${f.error ? ` — ${f.error}` : ''}`,
    })),
    ...predictions.map((p) => ({
      from: p.from,
      to: p.to,
      cls: `prediction prediction-${p.cameTrue === undefined ? 'open' : String(p.cameTrue)}`,
      shape: markup`<circle cx="0" cy="${top + 11}" r="3.5"></circle>`,
      text: `${p.failure} ${Math.round(p.probability * 100)}%`,
      tip: `${lane.label}: predicted ${p.failure} (${Math.round(p.probability * 100)}%) at ${seconds(p.from)}: ${p.basis}; ${p.cameTrue === undefined ? 'open' : p.cameTrue ? `came true at ${seconds(p.to)}` : 'false alarm'}`,
    })),
  ].sort((a, b) => a.from - b.from)
  const levels = labelLevels(
    view,
    marks.map((m) => ({ ms: m.from, text: m.text })),
  )
  const body = marks.map((m, i) => {
    const band = m.cls.startsWith('fault') ? top : top + 8
    const labelY = top + 14 + 10 + (levels[i] ?? 0) * LABEL_LINE
    const kind = m.cls.startsWith('fault') ? 'fault-label' : 'prediction-label'
    return markup`<g class="${m.cls}"><title>${m.tip}</title><rect class="span" x="${pct(view, m.from)}" y="${band}" width="${widthPct(view, m.from, m.to)}" height="6"></rect><svg x="${pct(view, m.from)}" overflow="visible">${m.shape}</svg>${labelAt(view, m.from, labelY, m.text, kind)}</g>`
  })
  return { body, height: 14 + 4 + (Math.max(...levels) + 1) * LABEL_LINE + 4 }
}

/** A try as the tests lane draws it: where it ran, and what it says about its test. */
interface PlacedTry {
  test: TestReport
  attempt: TryRecord
  index: number
  from: number
  to: number
}

interface FileRow {
  key: string
  label: string
  tries: PlacedTry[]
  from: number
  to: number
  broken: boolean
}

function tryClass(test: TestReport, attempt: TryRecord): TestOutcome {
  return attempt.state === 'passed' ? 'passed' : test.outcome === 'passed' ? 'failed' : test.outcome
}

function fileRows(view: ReportView): FileRow[] {
  const rows = new Map<string, FileRow>()
  for (const test of view.report.tests) {
    const tries = test.tries ?? []
    if (tries.length === 0) continue
    const key = projectFile(test)
    let found = rows.get(key)
    for (let index = 0; index < tries.length; index++) {
      const attempt = tries[index] as TryRecord
      const at = attempt.startedAt === undefined ? Number.NaN : Date.parse(attempt.startedAt)
      if (Number.isNaN(at)) continue
      if (!found) {
        found = { key, label: key, tries: [], from: Number.POSITIVE_INFINITY, to: 0, broken: false }
        rows.set(key, found)
      }
      const from = at - view.startMs
      const to = from + attempt.durationMs
      found.tries.push({ test, attempt, index, from, to })
      if (from < found.from) found.from = from
      if (to > found.to) found.to = to
      if (attempt.state === 'failed') found.broken = true
    }
  }
  return [...rows.values()].sort((a, b) => a.from - b.from)
}

/** A try is a tick of fixed pixel width placed at a percentage: visible however short it was. */
function tryTick(view: ReportView, placed: PlacedTry): Markup {
  const cls = tryClass(placed.test, placed.attempt)
  const x = pct(view, placed.from)
  if (cls === 'passed') return markup`<rect class="try o-passed" x="${x}" y="2" width="2" height="12"/>`
  const tip = `${placed.test.outcome}: ${placed.test.name} — ${location(placed.test)}, try ${placed.index + 1} ${placed.attempt.state} at ${seconds(placed.from)}`
  return markup`<rect class="try broke o-${cls}" x="${x}" y="0" width="3" height="16"><title>${tip}</title></rect>`
}

/**
 * Passed tries first, so the tries that broke are drawn on top and never hidden by a neighbour.
 * Passed ticks less than a pixel apart (on a 2,000 px plot) would paint the same pixels: one is drawn.
 */
function ticks(view: ReportView, tries: PlacedTry[]): Markup[] {
  const painted = new Set<number>()
  const passed: Markup[] = []
  const broke: Markup[] = []
  for (const t of tries) {
    if (tryClass(t.test, t.attempt) !== 'passed') {
      broke.push(tryTick(view, t))
      continue
    }
    const pixel = Math.round(fraction(view, t.from) * TICK_RESOLUTION)
    if (painted.has(pixel)) continue
    painted.add(pixel)
    passed.push(tryTick(view, t))
  }
  return [...passed, ...broke]
}

function fileRow(view: ReportView, file: FileRow): Markup {
  const span = markup`<rect class="file-span" x="${pct(view, file.from)}" y="6" width="${widthPct(view, file.from, file.to)}" height="4"></rect>`
  return row(
    `file${file.broken ? ' broken' : ''}`,
    file.label,
    file.label,
    16,
    [span, ...ticks(view, file.tries)],
    markup` data-file="${file.key}"`,
  )
}

/** Files that ran one after another share a row, as they shared a worker; overflow goes where it ends soonest. */
function packRows(files: FileRow[]): FileRow[][] {
  const packed: FileRow[][] = []
  const ends: number[] = []
  for (const file of files) {
    let slot = ends.findIndex((end) => end <= file.from)
    if (slot === -1 && packed.length < MAX_PACKED_ROWS) slot = packed.push([]) - 1
    if (slot === -1) slot = ends.indexOf(Math.min(...ends))
    ;(packed[slot] ??= []).push(file)
    ends[slot] = Math.max(ends[slot] ?? 0, file.to)
  }
  return packed
}

function packedRow(
  view: ReportView,
  files: FileRow[],
  label: string,
  title: string,
  withSpans: boolean,
): Markup {
  // Thousands of file spans in a few rows are a smear that costs megabytes: then only the ticks.
  const spans = (withSpans ? files : []).map(
    (f, i) =>
      markup`<rect class="file-span packed${i % 2 ? ' odd' : ''}" x="${pct(view, f.from)}" y="4" width="${widthPct(view, f.from, f.to)}" height="8"><title>${f.label}</title></rect>`,
  )
  return row('file packed', label, title, 16, [
    ...spans,
    ...ticks(
      view,
      files.flatMap((f) => f.tries),
    ),
  ])
}

function testRows(view: ReportView): Markup[] {
  const files = fileRows(view)
  if (files.length === 0) return []
  const heading = markup`<div class="tl-row tl-heading"><div class="tl-label">tests, by file</div><div></div></div>`
  if (files.length <= MAX_FILE_ROWS) return [heading, ...files.map((f) => fileRow(view, f))]
  // Too many files for a row each: the ones where a try broke keep theirs, the others are packed.
  const own = new Set(files.filter((f) => f.broken).slice(0, MAX_FILE_ROWS))
  const rest = files.filter((f) => !own.has(f))
  const allPassed = rest.every((f) => !f.broken)
  const title = `${rest.length} files${allPassed ? ' where every try passed' : ''}, packed: files that ran one after another share a row`
  const packed = packRows(rest).map((group, i) =>
    packedRow(
      view,
      group,
      i === 0 ? `${rest.length} more files${allPassed ? ', all passed' : ''}` : '',
      title,
      rest.length <= MAX_PACKED_SPANS,
    ),
  )
  return [heading, ...files.filter((f) => own.has(f)).map((f) => fileRow(view, f)), ...packed]
}

/** The timeline a row at a time: a large run's tests lane is never one giant string. */
export function* timelineChunks(view: ReportView): Generator<string> {
  yield markup`<div id="timeline" role="img" aria-label="Run timeline: service health, outages, recoveries and the tries of every test over time">${axisRow(view)}`
    .value
  for (const lane of view.lanes) yield laneRow(view, lane).value
  for (const row of testRows(view)) yield row.value
  yield '</div>'
}
