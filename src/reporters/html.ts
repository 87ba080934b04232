/**
 * `index.markup`: one self-contained page (no network: a Content-Security-Policy forbids every
 * fetch, screenshots are inlined as data URLs) with the timeline, the recoveries, and a
 * filterable table of tests with each failed try's errors and the test's screenshots.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { summaryLine } from '../core/summary-line.js'
import type { TestOutcome, TestReport, TryRecord } from '../core/report.js'
import type { RenderContext } from './context.js'
import { writeChunks } from './file-sink.js'
import { markup, trusted, type Markup } from './html-escape.js'
import { timelineSvg } from './timeline-svg.js'
import { errorText, location, rootCause, seconds, type ReportView } from './view.js'

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
th{background:#f6f8fa}td.num{text-align:right}
.badge{font-weight:600}.o-passed{color:#1a7f37}.o-healed{color:#0969da}.o-flaky{color:#9a6700}.o-failed{color:#cf222e}.o-skipped{color:#656d76}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;padding:8px;border-radius:6px;margin:4px 0}
.filters label{margin-right:12px}.filters input[type=search]{margin-left:12px;padding:3px 6px;min-width:240px}
img.shot{max-width:100%;border:1px solid #d0d7de;margin:4px 0}
#timeline text{font:11px system-ui,sans-serif;fill:#1f2328}#timeline .label{text-anchor:end}
#timeline .axis line{stroke:#eaeef2}#timeline .axis text{text-anchor:middle;fill:#656d76}
.st-healthy{fill:#4ac26b}.st-starting{fill:#d4a72c}.st-down{fill:#cf222e}.st-recovering{fill:#8250df}.st-broken{fill:#24292f}
.recovery-ok rect{fill:#0969da}.recovery-failed rect{fill:#fff;stroke:#cf222e;stroke-width:1.5}
.recovery line{stroke:#0969da;stroke-width:1.5}.recovery-failed line{stroke:#cf222e}
rect.o-passed,circle.o-passed{fill:#aceebb}rect.o-skipped{fill:#d0d7de}rect.o-healed,circle.o-healed{fill:#0969da}
rect.o-flaky,circle.o-flaky{fill:#d4a72c}rect.o-failed,circle.o-failed{fill:#cf222e}
.recovery-swatch{fill:#0969da}.legend span{margin-right:14px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
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
  const started = report.startedAt ? `started ${report.startedAt}` : ''
  const duration = report.durationMs !== undefined ? `, ${seconds(report.durationMs)}` : ''
  const merged = report.mergedFrom?.length ? ` · merged from ${report.mergedFrom.join(', ')}` : ''
  return markup`<h1>vitest-heal report: <span class="badge o-${report.outcome === 'passed' ? 'passed' : 'failed'}">${report.outcome}</span></h1>
<div class="line">${summaryLine(report.summary, report.recoveries)}</div>
<p class="meta">${started}${duration}${report.vitestVersion ? ` · vitest ${report.vitestVersion}` : ''}${merged}</p>`
}

function legend(): Markup {
  const items: [string, string][] = [
    ['st-healthy', 'healthy'],
    ['st-starting', 'starting'],
    ['st-down', 'down'],
    ['st-recovering', 'recovering'],
    ['st-broken', 'broken'],
    ['recovery-swatch', 'recovery (start–end)'],
  ]
  return markup`<p class="legend">${items.map(([cls, label]) => markup`<span><svg width="10" height="10"><rect class="${cls}" width="10" height="10"></rect></svg> ${label}</span>`)}</p>`
}

function recoveriesTable(view: ReportView): Markup {
  const rows = view.report.recoveries
  if (rows.length === 0)
    return markup`<h2>Recoveries</h2><p class="meta">None: no service needed healing.</p>`
  return markup`<h2>Recoveries (${rows.length})</h2><table id="recoveries"><thead><tr><th>service</th><th>strategy</th><th>trigger</th><th>started</th><th>duration</th><th>requests</th><th>result</th></tr></thead><tbody>${rows.map(
    (r) =>
      markup`<tr><td>${r.service}${r.source ? ` (${r.source})` : ''}</td><td>${r.strategy}</td><td>${r.trigger}</td><td>${r.startedAt}</td><td class="num">${seconds(r.durationMs)}</td><td class="num">${r.requests}</td><td class="${r.ok ? 'o-passed' : 'o-failed'}">${r.ok ? 'ok' : `failed: ${r.error ?? ''}`}</td></tr>`,
  )}</tbody></table>`
}

function tryMarkup(attempt: TryRecord, index: number): Markup {
  const verdict = attempt.verdict ?? attempt.hypothesis
  const decided = verdict
    ? ` · ${verdict.kind}${verdict.service ? ` (${verdict.service})` : ''} by rule ${verdict.rule}: ${verdict.evidence}`
    : ''
  return markup`<div class="try"><strong class="o-${attempt.state === 'passed' ? 'passed' : 'failed'}">try ${index + 1}: ${attempt.state}</strong> <span class="meta">pass ${attempt.pass} · ${seconds(attempt.durationMs)}${decided}</span>${attempt.errors.map(
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
  if (failed === 0 && !test.attachments?.length) return markup``
  const cause =
    test.outcome === 'failed' && test.cause === 'infra'
      ? markup`<p><strong>Root cause:</strong> ${rootCause(test, view.report.recoveries)}</p>`
      : ''
  return markup`<tr class="detail"${test.outcome === 'passed' ? trusted(' hidden') : ''}><td colspan="7"><details${test.outcome === 'failed' ? trusted(' open') : ''}><summary>${tries.length} ${tries.length === 1 ? 'try' : 'tries'}, ${failed} failed${test.attachments?.length ? `, ${test.attachments.length} attachment(s)` : ''}</summary>${cause}${tries.map(tryMarkup)}${(test.attachments ?? []).map((a) => attachmentMarkup(reportDir, a))}</details></td></tr>`
}

function testRow(view: ReportView, reportDir: string, test: TestReport): Markup {
  const outcome = test.outcome === 'failed' ? `failed (${test.cause ?? 'test-bug'})` : test.outcome
  return markup`<tr class="test" data-outcome="${test.outcome}"${test.outcome === 'passed' ? trusted(' hidden') : ''}><td class="badge o-${test.outcome}">${outcome}</td><td>${test.name}</td><td>${location(test)}</td><td>${test.service ?? ''}</td><td>${test.rule ?? ''}</td><td class="num">${test.attempts}</td><td class="num">${test.durationMs !== undefined ? seconds(test.durationMs) : ''}</td></tr>${detailRow(view, reportDir, test)}`
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
<table id="tests"><thead><tr><th>outcome</th><th>test</th><th>location</th><th>service</th><th>rule</th><th>attempts</th><th>duration</th></tr></thead><tbody>`
}

function unhandledErrors(view: ReportView): Markup {
  const errors = view.report.unhandledErrors ?? []
  if (errors.length === 0) return markup``
  return markup`<h2>Errors outside tests (${errors.length})</h2><table id="unhandled"><thead><tr><th>error</th><th>verdict</th><th>forgiven</th></tr></thead><tbody>${errors.map(
    (e) =>
      markup`<tr><td><pre>${e.name}: ${e.message}</pre></td><td>${e.verdict ? `${e.verdict.kind} (${e.verdict.rule})` : ''}</td><td>${e.forgiven ? 'yes: its outage was healed' : 'no'}</td></tr>`,
  )}</tbody></table>`
}

/** The page in pieces, one test row at a time, so a large run is never one giant string. */
export function* htmlChunks(view: ReportView, reportDir: string): Generator<string> {
  const nonce = randomBytes(16).toString('base64')
  const csp = `default-src 'none'; img-src data:; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'`
  yield markup`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>vitest-heal report: ${view.report.outcome}</title><style nonce="${nonce}">${trusted(STYLE)}</style></head>
<body>${header(view)}
<h2>Timeline</h2>${timelineSvg(view)}${legend()}
${recoveriesTable(view)}
${testsTableHead(view)}`.value
  const tests = [...view.report.tests].sort((a, b) => ROW_ORDER[a.outcome] - ROW_ORDER[b.outcome])
  for (const test of tests) yield testRow(view, reportDir, test).value
  yield markup`</tbody></table>
${unhandledErrors(view)}
<script nonce="${nonce}">${trusted(SCRIPT)}</script></body></html>
`.value
}

export function htmlPage(view: ReportView, reportDir: string): string {
  return [...htmlChunks(view, reportDir)].join('')
}

export function renderHtml({ view, reportDir }: RenderContext): void {
  writeChunks(join(reportDir, HTML_FILE), htmlChunks(view, reportDir))
}
