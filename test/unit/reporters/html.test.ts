import { describe, expect, it } from 'vitest'
import { escapeHtml, markup, trusted } from '../../../src/reporters/html-escape.js'
import { htmlPage } from '../../../src/reporters/html.js'
import { buildView } from '../../../src/reporters/view.js'
import { exampleReport, EXAMPLE_DIR, XSS_NAME } from '../../reporters/fixtures/example-report.js'
import { largeReport } from '../../reporters/fixtures/example/large-report.mjs'

const page = (report = exampleReport()): string => htmlPage(buildView(report), EXAMPLE_DIR)
/** The timeline alone: the legend below it draws sample marks too. */
const timeline = (out: string): string =>
  out.slice(out.indexOf('<div id="timeline"'), out.indexOf('<p class="legend">'))

describe('html templates', () => {
  it('escape every interpolated value unless it is markup built here', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    )
    expect(
      markup`<td>${XSS_NAME}</td>${markup`<b>${'&'}</b>`}${trusted('<i></i>')}${[1, null, false, 'x']}`.value,
    ).toBe('<td>&lt;img src=x onerror=alert(1)&gt;</td><b>&amp;</b><i></i>1x')
  })
})

describe('index.html', () => {
  it('shows markup from tests as text, in the table and in the timeline tooltips', () => {
    const out = page()
    expect(out).not.toContain(XSS_NAME)
    expect(out).not.toContain('<script>alert(2)')
    expect(out).toContain('<td>&lt;img src=x onerror=alert(1)&gt;</td>')
    expect(out).toContain(
      'failed: &lt;img src=x onerror=alert(1)&gt; — test/search.test.ts:97, try 1 failed at 3.10 s</title>',
    )
  })

  it('loads nothing from the network: a CSP forbids it and no URL points outside', () => {
    const out = page()
    expect(out).toContain('content="default-src &#39;none&#39;; img-src data:;')
    expect(out).not.toMatch(/(src|href)="(https?:)?\/\//)
    expect(out.match(/<script/g)).toHaveLength(1)
  })

  it('inlines a test screenshot as a data URL', () => {
    const out = page()
    expect(out).toMatch(/<img class="shot" alt="screenshot" src="data:image\/png;base64,iVBORw0KGgo[^"]+">/)
  })

  it('inlines a screenshot kept at an absolute path', () => {
    const report = exampleReport()
    report.tests.find((t) => t.attachments)!.attachments![0]!.path =
      `${EXAMPLE_DIR}/screenshots/users-greeting.png`
    expect(htmlPage(buildView(report), '/elsewhere')).toContain('src="data:image/png;base64,iVBORw0KGgo')
  })

  it('names a screenshot that is gone instead of failing the page', () => {
    const report = exampleReport()
    report.tests.find((t) => t.attachments)!.attachments![0]!.path = 'screenshots/gone.png'
    expect(page(report)).toContain('screenshot: screenshots/gone.png (missing)')
  })

  it('draws a lane per service: health, a marker per outage, each recovery labelled in place', () => {
    const out = page()
    expect(out).toContain('<div class="tl-row lane" data-service="db">')
    expect(out).toContain('<div class="tl-row lane" data-service="app">')
    expect(out.match(/class="health st-down"/g)).toHaveLength(3)
    // db down, app down twice, app broken: each entry into an outage has its marker and its label.
    expect(out.match(/class="outage-marker /g)).toHaveLength(4)
    for (const label of ['down 2.12 s', 'down 4.19 s', 'down 5.29 s', 'broken 6.51 s'])
      expect(out).toContain(`>${label}</text>`)
    expect(out.match(/<g class="recovery recovery-ok">/g)).toHaveLength(2)
    expect(out.match(/<g class="recovery recovery-failed">/g)).toHaveLength(1)
    for (const label of ['restart ok in 0.31 s', 'restart ok in 0.42 s', 'restart failed after 1.20 s'])
      expect(out).toContain(`>${label}</text>`)
  })

  it('gives an outage a visible width and a marker however short it was', () => {
    const report = exampleReport()
    // A 1 ms outage in a 10-minute run: 0.0002 % of the axis.
    report.durationMs = 600_000
    report.timeline = [
      { service: 'db', at: '2026-11-23T10:00:00.000Z', state: 'healthy' },
      { service: 'db', at: '2026-11-23T10:05:00.000Z', state: 'down' },
      { service: 'db', at: '2026-11-23T10:05:00.001Z', state: 'healthy' },
    ]
    const out = page(report)
    expect(out).toMatch(
      /<svg class="outage" x="50\.00%"[^>]*><title>db: down at 300\.00 s<\/title><rect class="st-down" x="0" y="\d+" width="5"/,
    )
  })

  it('shows a lane healthy from the start when its first recorded change is an outage', () => {
    const report = exampleReport()
    report.timeline = report.timeline!.filter(
      (e) => e.service !== 'db' || e.at !== '2026-11-23T10:00:00.000Z',
    )
    const db = buildView(report).lanes.find((l) => l.service === 'db')!
    expect(db.segments[0]).toMatchObject({ state: 'healthy', from: 0, to: 2120 })
    expect(page(report)).toMatch(/<rect class="health st-healthy" x="0\.00%" y="\d+" width="30\.29%"/)
  })

  it('does not invent health before a pre-flight start', () => {
    const report = exampleReport()
    report.timeline = [{ service: 'db', at: '2026-11-23T10:00:00.300Z', state: 'starting' }]
    expect(
      buildView(report)
        .lanes.find((l) => l.service === 'db')!
        .segments.map((s) => s.state),
    ).toEqual(['starting'])
  })

  it('draws a row per file with a tick per try, the tries that broke in their outcome colour', () => {
    const out = timeline(page())
    const files = [...out.matchAll(/<div class="tl-row file[^"]*" data-file="([^"]+)"/g)].map((m) => m[1])
    expect(files).toEqual([
      'test/users.test.ts',
      'test/orders.test.ts',
      'test/search.test.ts',
      'test/health.test.ts',
    ])
    expect(out.match(/<rect class="try o-passed"/g)).toHaveLength(32 + 3 + 1)
    expect(out.match(/<rect class="try broke o-healed"/g)).toHaveLength(3)
    expect(out.match(/<rect class="try broke o-flaky"/g)).toHaveLength(1)
    expect(out.match(/<rect class="try broke o-failed"/g)).toHaveLength(4)
  })

  it('keeps the tests lane readable at 2,000 tests: broken files get a row, the rest are packed', () => {
    const report = largeReport(2000)
    const out = timeline(htmlPage(buildView(report), EXAMPLE_DIR))
    const own = [...out.matchAll(/<div class="tl-row file broken" data-file="([^"]+)"/g)].map((m) => m[1])
    const broken = new Set(
      report.tests.filter((t) => t.tries!.some((x) => x.state === 'failed')).map((t) => t.file),
    )
    expect(new Set(own)).toEqual(broken)
    const packed = out.match(/<div class="tl-row file packed">/g) ?? []
    expect(packed.length).toBeGreaterThan(0)
    expect(packed.length).toBeLessThanOrEqual(6)
    expect(out).toContain(`<bdi>${100 - broken.size} more files, all passed</bdi>`)
    // Every try that broke is drawn, whichever row it is on; passed tries that would paint the same
    // pixel of their row are drawn once (here: second tries of healed tests, a few ms apart).
    const tries = report.tests.flatMap((t) => t.tries!)
    const broke = tries.filter((t) => t.state === 'failed').length
    expect(out.match(/<rect class="try broke /g)).toHaveLength(broke)
    const passed = out.match(/<rect class="try o-passed"/g)!.length
    expect(passed).toBeLessThan(tries.length - broke)
    expect(passed).toBeGreaterThan((tries.length - broke) * 0.98)
  })

  it('uses one clock, seconds from the start, in the timeline and the tables', () => {
    const out = page()
    expect(out).toContain('0.00 s = 2026-11-23T10:00:00.000Z')
    expect(out).toContain('<td class="num" title="2026-11-23T10:00:02.140Z">2.14 s</td>')
    // The tests table: when each test first ran.
    expect(out).toMatch(/<td>users &gt; shows the greeting<\/td>.*?<td class="num">2\.90 s<\/td>/)
    // No ISO time is printed as text anywhere but the header.
    expect(out.replace(/title="[^"]*"/g, '').match(/\d{4}-\d\d-\d\dT\d\d:\d\d/g)).toHaveLength(1)
  })

  it('shows every try of a healed test unfolded, with its time, verdict, line and the recovery that confirmed it', () => {
    const report = exampleReport()
    const healed = report.tests.find((t) => t.name === 'orders > creates an order')!
    healed.tries![0]!.recovery = { service: 'db', by: 'this run', strategy: 'restart', durationMs: 310 }
    const out = page(report)
    const row = out.slice(out.indexOf('<td>orders &gt; creates an order</td>'))
    const detail = row.slice(0, row.indexOf('</details>'))
    expect(detail).toContain('<details open>')
    expect(detail).toContain(
      'try 1: failed</strong> <span class="meta">at 2.15 s · pass 1 · 0.01 s · test/orders.test.ts:64</span><div class="verdict">infra (db) by rule pg-connection-refused: ECONNREFUSED 127.0.0.1:54329 — outage confirmed: db recovered by this run (restart in 0.31 s)</div>',
    )
    expect(detail).toContain('try 2: passed</strong> <span class="meta">at 2.50 s · pass 1 · 0.03 s</span>')
  })

  it('lists every error outside tests: forgiven ones with why, the others as failing the run', () => {
    const out = htmlPage(buildView(largeReport(100)), EXAMPLE_DIR)
    expect(out).toContain(
      'Errors outside tests (2: <span class="o-failed">1 fail the run</span>, <span class="o-healed">1 forgiven</span>)',
    )
    expect(out).toContain(
      '<tr class="fails-run"><td class="badge o-failed">fails the run<div class="meta">an afterAll error that is not infra fails the run, as in plain Vitest</div></td><td>module test/area-3/feature-10.test.ts<div class="meta">pass 1</div></td>',
    )
    expect(out).toMatch(
      /<tr class="forgiven"><td class="badge o-healed">forgiven<div class="meta">infra error of the db outage at [\d.]+ s, which was healed<\/div><\/td><td>unhandled, outside any test/,
    )
    // An older report without `errors`: its unhandled errors are shown the same way.
    expect(page()).toContain(
      '<tr class="forgiven"><td class="badge o-healed">forgiven<div class="meta">its outage was healed</div>',
    )
  })

  it('lists failures first, keeps passed rows hidden until asked, and shows each failed try', () => {
    const out = page()
    const rows = [...out.matchAll(/<tr class="test" data-outcome="(\w+)"/g)].map((m) => m[1])
    expect(rows.slice(0, 3)).toEqual(['failed', 'failed', 'failed'])
    expect(rows.at(-1)).toBe('passed')
    expect(out).toContain('<tr class="test" data-outcome="passed" hidden>')
    expect(out).toContain('Tests (<span id="shown">8</span> of 40 shown)')
    expect(out).toContain(
      'try 1: failed</strong> <span class="meta">at 4.20 s · pass 1 · 0.00 s · test/health.test.ts:30</span><div class="verdict">infra (app) by rule connection-refused',
    )
    expect(out).toContain('<strong>Root cause:</strong> recovery restart failed: server exited with code 1')
  })
})
