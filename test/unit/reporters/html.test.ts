import { describe, expect, it } from 'vitest'
import { escapeHtml, markup, trusted } from '../../../src/reporters/html-escape.js'
import { htmlPage } from '../../../src/reporters/html.js'
import { buildView } from '../../../src/reporters/view.js'
import { exampleReport, EXAMPLE_DIR, XSS_NAME } from '../../reporters/fixtures/example-report.js'

const page = (report = exampleReport()): string => htmlPage(buildView(report), EXAMPLE_DIR)

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
    expect(out).toContain('failed: &lt;img src=x onerror=alert(1)&gt; — test/search.test.ts:97</title>')
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

  it('draws a lane per service with its outages and recoveries, and marks the tests that did not simply pass', () => {
    const out = page()
    expect(out).toContain('<g class="lane" data-service="db">')
    expect(out).toContain('<g class="lane" data-service="app">')
    expect(out.match(/class="health st-down"/g)).toHaveLength(3)
    expect(out.match(/<g class="recovery recovery-ok">/g)).toHaveLength(2)
    expect(out.match(/<g class="recovery recovery-failed">/g)).toHaveLength(1)
    expect(out.match(/<circle class="test-mark/g)).toHaveLength(7)
  })

  it('lists failures first, keeps passed rows hidden until asked, and shows each failed try', () => {
    const out = page()
    const rows = [...out.matchAll(/<tr class="test" data-outcome="(\w+)"/g)].map((m) => m[1])
    expect(rows.slice(0, 3)).toEqual(['failed', 'failed', 'failed'])
    expect(rows.at(-1)).toBe('passed')
    expect(out).toContain('<tr class="test" data-outcome="passed" hidden>')
    expect(out).toContain('Tests (<span id="shown">8</span> of 40 shown)')
    expect(out).toContain(
      'try 1: failed</strong> <span class="meta">pass 1 · 0.01 s · infra (db) by rule pg-connection-refused',
    )
    expect(out).toContain('<strong>Root cause:</strong> recovery restart failed: server exited with code 1')
  })
})
