/**
 * `index.markup`: one self-contained page (no network: a Content-Security-Policy forbids every
 * fetch, screenshots are inlined as data URLs) with the timeline, the recoveries, and a
 * filterable table of tests with each failed try's errors and the test's screenshots.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { summaryLine } from '../core/summary-line.js'
import { testHistoryText } from '../core/test-history.js'
import type { OutsideError, TestOutcome, TestReport, TryRecord, TryRecovery } from '../core/report.js'
import type { RenderContext } from './context.js'
import { chaosLegend, chaosSection, chaosStyle } from './html-chaos.js'
import { writeChunks } from './file-sink.js'
import { markup, trusted, type Markup } from './html-escape.js'
import { timelineChunks } from './timeline-svg.js'
import { errorText, location, projectFile, rootCause, seconds, type ReportView } from './view.js'

export const HTML_FILE = 'index.html'

/** Larger attachments stay files next to the report; inlining them would bloat the page. */
const MAX_INLINE_BYTES = 5 * 1024 * 1024

/** Failures first: that is what a reader opened the report for. */
const ROW_ORDER: Record<TestOutcome, number> = { failed: 0, healed: 1, flaky: 2, skipped: 3, passed: 4 }
const OUTCOMES: TestOutcome[] = ['failed', 'healed', 'flaky', 'skipped', 'passed']

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.line{font-family:ui-monospace,monospace;background:#f6f8fa;padding:6px 10px;border-radius:6px;display:inline-block}
.meta{color:#656d76;margin:6px 0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #d0d7de;vertical-align:top}
th{background:#f6f8fa}td{overflow-wrap:anywhere}td.num{text-align:right;white-space:nowrap}
@media (max-width:900px){body{margin:12px}th,td{padding:3px 4px;font-size:13px}}
.badge{font-weight:600}.o-passed{color:#1a7f37}.o-healed{color:#0969da}.o-flaky{color:#9a6700}.o-failed{color:#cf222e}.o-skipped{color:#656d76}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;padding:8px;border-radius:6px;margin:4px 0}
.filters label{margin-right:12px}.filters input[type=search]{margin-left:12px;padding:3px 6px;min-width:240px}
img.shot{max-width:100%;border:1px solid #d0d7de;margin:4px 0}
.try{margin:6px 0}.try .verdict{margin-left:14px}
#timeline{margin:0 0 8px}
.tl-row{display:grid;grid-template-columns:minmax(80px,22%) 1fr;column-gap:10px;align-items:center}
.tl-label{text-align:right;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;direction:rtl;font-size:13px}
.tl-row.lane .tl-label{font-weight:600}.tl-heading .tl-label{color:#656d76;font-size:12px;padding-top:10px;direction:ltr}
.tl-plot{width:100%;display:block;background:repeating-linear-gradient(to right,#d0d7de 0 1px,transparent 1px 20%),linear-gradient(to left,#d0d7de 0 1px,transparent 1px)}
.tl-axis .tl-plot{background:none}.tl-axis .tl-label{color:#656d76;font-size:12px;direction:ltr}
.tl-plot text{font:12px system-ui,sans-serif;fill:#1f2328}.tl-axis text{fill:#656d76}
.st-healthy{fill:#4ac26b}.st-starting{fill:#d4a72c}.st-down{fill:#cf222e}.st-recovering{fill:#8250df}.st-broken{fill:#24292f}
.tl-plot .st-down-text{fill:#cf222e;font-weight:600}.tl-plot .st-broken-text{font-weight:600}
.recovery-ok rect{fill:#0969da}.recovery-failed rect{fill:#fff;stroke:#cf222e;stroke-width:1.5}
.tl-plot .recovery-failed .recovery-label{fill:#cf222e}.tl-plot .recovery-ok .recovery-label{fill:#0969da}
.file-span{fill:#d0d7de}.file-span.packed{fill:#eaeef2}.file-span.packed.odd{fill:#d0d7de}
rect.try.o-passed{fill:#4ac26b}rect.try.o-healed{fill:#0969da}rect.try.o-flaky{fill:#d4a72c}rect.try.o-failed{fill:#cf222e}
.legend span{margin-right:14px;white-space:nowrap}.legend svg{vertical-align:-1px}
`

/** Filtering: outcome checkboxes and a text box; rows carry their outcome, details follow their row. */
const SCRIPT = `
const boxes=[...document.querySelectorAll('input[data-outcome]')];
const text=document.getElementById('filter-text');
const shown=document.getElementById('shown');
function apply(){
  const on=new Set(boxes.filter(b=>b.checked).map(b=>b.dataset.outcome));
  const q=text.value.trim().toLowerCase();
  let n=0;
  for(const row of document.querySelectorAll('#tests tbody tr.test')){
    const visible=on.has(row.dataset.outcome)&&(!q||row.textContent.toLowerCase().includes(q));
    row.hidden=!visible;
    const detail=row.nextElementSibling;
    if(detail&&detail.classList.contains('detail'))detail.hidden=!visible;
    if(visible)n++;
  }
  shown.textContent=String(n);
}
for(const b of boxes)b.addEventListener('change',apply);
text.addEventListener('input',apply);
apply();
`

function header(view: ReportView): Markup {
  const { report } = view
  // Every time on the page is seconds from this instant: one clock for the timeline and the tables.
  const started = report.startedAt ? `0.00 s = ${report.startedAt}` : ''
  const duration = report.durationMs !== undefined ? `, ran ${seconds(report.durationMs)}` : ''
  const merged = report.mergedFrom?.length ? ` · merged from ${report.mergedFrom.join(', ')}` : ''
  return markup`<h1>vitest-heal report: <span class="badge o-${report.outcome === 'passed' ? 'passed' : 'failed'}">${report.outcome}</span></h1>
<div class="line">${summaryLine(report.summary, report.recoveries)}</div>
<p class="meta">${started}${duration}${report.vitestVersion ? ` · vitest ${report.vitestVersion}` : ''}${merged}</p>`
}

function legend(): Markup {
  const swatch = (cls: string): Markup =>
    markup`<svg width="12" height="12"><rect class="${cls}" width="12" height="12"></rect></svg>`
  const tick = (cls: string): Markup =>
    markup`<svg width="6" height="12"><rect class="try ${cls}" x="2" y="0" width="3" height="12"/></svg>`
  const items: [Markup, string][] = [
    [swatch('st-healthy'), 'healthy'],
    [swatch('st-starting'), 'starting'],
    [swatch('st-down'), 'down (▼ marks each outage)'],
    [swatch('st-recovering'), 'recovering'],
    [swatch('st-broken'), 'broken'],
    [
      markup`<svg width="12" height="12" class="recovery-ok"><rect width="12" height="8" y="2"></rect></svg>`,
      'recovery',
    ],
    [tick('o-passed'), 'try passed'],
    [tick('broke o-healed'), 'failed try, healed'],
    [tick('broke o-flaky'), 'failed try, flaky'],
    [tick('broke o-failed'), 'failed try, failed'],
  ]
  return markup`<p class="legend">${items.map(([icon, label]) => markup`<span>${icon} ${label}</span>`)}</p>`
}

/** A report time on the page's one clock: seconds from the start of the run. */
function clock(view: ReportView, iso: string | undefined): string {
  const ms = iso === undefined ? Number.NaN : Date.parse(iso)
  return Number.isNaN(ms) ? '' : seconds(ms - view.startMs)
}

function recoveriesTable(view: ReportView): Markup {
  const rows = view.report.recoveries
  if (rows.length === 0)
    return markup`<h2>Recoveries</h2><p class="meta">None: no service needed healing.</p>`
  return markup`<h2>Recoveries (${rows.length})</h2><table id="recoveries"><thead><tr><th>service</th><th>strategy</th><th>trigger</th><th>at</th><th>duration</th><th>requests</th><th>result</th></tr></thead><tbody>${rows.map(
    (r) =>
      markup`<tr><td>${r.service}${r.source ? ` (${r.source})` : ''}</td><td>${r.strategy}${r.reason ? markup`<div class="meta">chosen by its history: ${r.reason}</div>` : ''}</td><td>${r.trigger}</td><td class="num" title="${r.startedAt}">${clock(view, r.startedAt)}</td><td class="num">${seconds(r.durationMs)}</td><td class="num">${r.requests}</td><td class="${r.ok ? 'o-passed' : 'o-failed'}">${r.ok ? 'ok' : `failed: ${r.error ?? ''}`}</td></tr>`,
  )}</tbody></table>`
}

/** The digits after the first `<file>:` in a text that has any (`test/db.test.ts:42:7` → `42`). */
function lineAfter(text: string, file: string): string | undefined {
  // indexOf, not a RegExp built from the file name: that was compiled anew for every failed try.
  const needle = `${file}:`
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
    const from = at + needle.length
    let to = from
    while (to < text.length && text.charCodeAt(to) >= 48 && text.charCodeAt(to) <= 57) to++
    if (to > from) return text.slice(from, to)
  }
  return undefined
}

/** The line of the test file an error points at, read from its stack; else the test's own line. */
function failedLine(test: TestReport, attempt: TryRecord): string {
  for (const error of attempt.errors) {
    const line = lineAfter(error.stack ?? error.message, test.file)
    if (line !== undefined) return `${projectFile(test)}:${line}`
  }
  return location(test)
}

function recoveryText(recovery: TryRecovery): string {
  const how = [
    recovery.strategy,
    recovery.durationMs === undefined ? '' : `in ${seconds(recovery.durationMs)}`,
  ]
  return `outage confirmed: ${recovery.service} recovered by ${recovery.by}${how.some(Boolean) ? ` (${how.filter(Boolean).join(' ')})` : ''}`
}

/** Every try in full, unfolded: its time on the run's clock, verdict, line and the recovery that answered it. */
function tryMarkup(view: ReportView, test: TestReport, attempt: TryRecord, index: number): Markup {
  const verdict = attempt.verdict ?? attempt.hypothesis
  const decided = verdict
    ? `${verdict.kind}${verdict.service ? ` (${verdict.service})` : ''} by rule ${verdict.rule}: ${verdict.evidence}`
    : ''
  const at = clock(view, attempt.startedAt)
  const where = attempt.state === 'failed' ? ` · ${failedLine(test, attempt)}` : ''
  const details = [decided, attempt.recovery ? recoveryText(attempt.recovery) : '']
    .filter(Boolean)
    .join(' — ')
  return markup`<div class="try"><strong class="o-${attempt.state === 'passed' ? 'passed' : 'failed'}">try ${index + 1}: ${attempt.state}</strong> <span class="meta">${at ? `at ${at} · ` : ''}pass ${attempt.pass} · ${seconds(attempt.durationMs)}${where}</span>${details ? markup`<div class="verdict">${details}</div>` : ''}${attempt.errors.map(
    (e) => markup`<pre>${errorText(e)}</pre>`,
  )}</div>`
}

function attachmentMarkup(
  reportDir: string,
  attachment: NonNullable<TestReport['attachments']>[number],
): Markup {
  // resolve, not join: a merged report may keep an absolute path.
  const file = resolve(reportDir, attachment.path)
  const isImage =
    (attachment.contentType ?? '').startsWith('image/') || /\.(png|jpe?g|gif|webp)$/i.test(attachment.path)
  if (isImage) {
    try {
      if (statSync(file).size <= MAX_INLINE_BYTES) {
        const type =
          attachment.contentType ??
          `image/${attachment.path.split('.').pop()?.toLowerCase().replace('jpg', 'jpeg')}`
        const data = `data:${type};base64,${readFileSync(file).toString('base64')}`
        return markup`<figure><img class="shot" alt="${attachment.name}" src="${data}"><figcaption>${attachment.name}</figcaption></figure>`
      }
    } catch {
      return markup`<p class="meta">${attachment.name}: ${attachment.path} (missing)</p>`
    }
  }
  return markup`<p class="meta">${attachment.name}: ${attachment.path}</p>`
}

function detailRow(view: ReportView, reportDir: string, test: TestReport): Markup {
  const tries = test.tries ?? []
  const failed = tries.filter((t) => t.state === 'failed').length
  if (failed === 0 && !test.attachments?.length && !test.history) return markup``
  const cause =
    test.outcome === 'failed' && test.cause === 'infra'
      ? markup`<p><strong>Root cause:</strong> ${rootCause(test, view.report.recoveries)}</p>`
      : ''
  // What the history knew of it, first thing in the details (the name cell stays the name alone).
  const history = test.history
    ? markup`<p class="meta">History: ${testHistoryText(test.history)}${test.quarantined ? ' — quarantined: it does not fail the run' : ''}</p>`
    : ''
  return markup`<tr class="detail"${test.outcome === 'passed' ? trusted(' hidden') : ''}><td colspan="8"><details${test.outcome === 'passed' ? '' : trusted(' open')}><summary>${tries.length} ${tries.length === 1 ? 'try' : 'tries'}, ${failed} failed${test.attachments?.length ? `, ${test.attachments.length} attachment(s)` : ''}</summary>${history}${cause}${tries.map((t, i) => tryMarkup(view, test, t, i))}${(test.attachments ?? []).map((a) => attachmentMarkup(reportDir, a))}</details></td></tr>`
}

function testRow(view: ReportView, reportDir: string, test: TestReport): Markup {
  const outcome = test.outcome === 'failed' ? `failed (${test.cause ?? 'test-bug'})` : test.outcome
  return markup`<tr class="test" data-outcome="${test.outcome}"${test.outcome === 'passed' ? trusted(' hidden') : ''}><td class="badge o-${test.outcome}">${outcome}</td><td>${test.name}</td><td>${location(test)}</td><td>${test.service ?? ''}</td><td>${test.rule ?? ''}</td><td class="num">${test.attempts}</td><td class="num">${clock(view, test.tries?.[0]?.startedAt)}</td><td class="num">${test.durationMs !== undefined ? seconds(test.durationMs) : ''}</td></tr>${detailRow(view, reportDir, test)}`
}

function testsTableHead(view: ReportView): Markup {
  const s = view.report.summary
  const counts: Record<TestOutcome, number> = {
    failed: s.failed,
    healed: s.healed,
    flaky: s.flaky,
    skipped: s.skipped,
    passed: s.passed,
  }
  const shownAtFirst = s.total - s.passed
  return markup`<h2>Tests (<span id="shown">${shownAtFirst}</span> of ${s.total} shown)</h2>
<p class="filters">${OUTCOMES.map((o) => markup`<label><input type="checkbox" data-outcome="${o}"${o === 'passed' ? '' : trusted(' checked')}> <span class="o-${o}">${o} (${counts[o]})</span></label>`)}<input id="filter-text" type="search" placeholder="filter by name or file"></p>
<table id="tests"><thead><tr><th>outcome</th><th>test</th><th>location</th><th>service</th><th>rule</th><th>attempts</th><th>at</th><th>duration</th></tr></thead><tbody>`
}

/** `report.errors` when the run wrote it; an older report's unhandled errors otherwise. */
function outsideErrors(view: ReportView): (Omit<OutsideError, 'pass'> & { pass?: 1 | 2 })[] {
  const { errors, unhandledErrors } = view.report
  if (errors) return errors
  return (unhandledErrors ?? []).map((e) => ({
    ...e,
    where: 'unhandled' as const,
    why: e.forgiven ? 'its outage was healed' : 'an unhandled error fails the run',
  }))
}

function whereText(error: {
  where: OutsideError['where']
  project?: string
  file?: string
  suite?: string
}): string {
  const file = error.file ? projectFile({ file: error.file, project: error.project }) : ''
  if (error.where === 'suite') return `suite ${error.suite ?? ''}${file ? ` in ${file}` : ''}`
  if (error.where === 'module') return `module ${file}`
  return 'unhandled, outside any test'
}

function outsideErrorsSection(view: ReportView): Markup {
  const errors = outsideErrors(view)
  if (errors.length === 0) return markup``
  const failing = errors.filter((e) => !e.forgiven).length
  return markup`<h2>Errors outside tests (${errors.length}: <span class="o-failed">${failing} fail the run</span>, <span class="o-healed">${errors.length - failing} forgiven</span>)</h2><table id="outside-errors"><thead><tr><th>result</th><th>where</th><th>error</th><th>verdict</th></tr></thead><tbody>${errors.map(
    (e) =>
      markup`<tr class="${e.forgiven ? 'forgiven' : 'fails-run'}"><td class="badge ${e.forgiven ? 'o-healed' : 'o-failed'}">${e.forgiven ? 'forgiven' : 'fails the run'}<div class="meta">${e.why}</div></td><td>${whereText(e)}${e.pass ? markup`<div class="meta">pass ${e.pass}</div>` : ''}</td><td><pre>${errorText(e)}</pre></td><td>${e.verdict ? `${e.verdict.kind}${e.verdict.service ? ` (${e.verdict.service})` : ''} by rule ${e.verdict.rule}` : ''}</td></tr>`,
  )}</tbody></table>`
}

/** The page in pieces, one test row at a time, so a large run is never one giant string. */
export function* htmlChunks(view: ReportView, reportDir: string): Generator<string> {
  const nonce = randomBytes(16).toString('base64')
  const csp = `default-src 'none'; img-src data:; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'`
  yield markup`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>vitest-heal report: ${view.report.outcome}</title><style nonce="${nonce}">${trusted(STYLE)}${chaosStyle(view)}</style></head>
<body>${header(view)}
<h2>Timeline</h2>`.value
  yield* timelineChunks(view)
  yield markup`${legend()}${chaosLegend(view)}
${outsideErrorsSection(view)}
${recoveriesTable(view)}${chaosSection(view)}
${testsTableHead(view)}`.value
  const tests = [...view.report.tests].sort((a, b) => ROW_ORDER[a.outcome] - ROW_ORDER[b.outcome])
  for (const test of tests) yield testRow(view, reportDir, test).value
  yield markup`</tbody></table>
<script nonce="${nonce}">${trusted(SCRIPT)}</script></body></html>
`.value
}

export function htmlPage(view: ReportView, reportDir: string): string {
  return [...htmlChunks(view, reportDir)].join('')
}

export function renderHtml({ view, reportDir }: RenderContext): void {
  writeChunks(join(reportDir, HTML_FILE), htmlChunks(view, reportDir))
}
