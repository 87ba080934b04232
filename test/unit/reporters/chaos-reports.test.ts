/**
 * A chaos run's scorecard and the predictions in every report (issues 13 and 14): the example run
 * with four faults and two predictions (fixtures/chaos-report.ts), rendered by each reporter; and a
 * run without them renders as it did, with no empty section.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { validateXML } from 'xmllint-wasm'
import { summarize } from '../../../src/core/outcome.js'
import type { RunReport } from '../../../src/core/report.js'
import { leadTime } from '../../../src/reporters/chaos-rows.js'
import { renderGithub } from '../../../src/reporters/github.js'
import { htmlPage } from '../../../src/reporters/html.js'
import { jsonChunks } from '../../../src/reporters/json.js'
import { junitXml, runProperties } from '../../../src/reporters/junit.js'
import { mergeReports } from '../../../src/reporters/merge.js'
import { terminalSummary } from '../../../src/reporters/summary.js'
import { buildView } from '../../../src/reporters/view.js'
import { chaosReport } from '../../reporters/fixtures/chaos-report.js'
import { captureStream, exampleReport } from '../../reporters/fixtures/example-report.js'

const XSD = readFileSync(new URL('../../reporters/fixtures/junit-surefire.xsd', import.meta.url), 'utf8')
const dir = mkdtempSync(join(tmpdir(), 'heal-chaos-reports-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const terminal = (report: RunReport): string =>
  terminalSummary({ view: buildView(report), reportDir: '/r', stdout: captureStream(false), env: {} })

function jobSummary(report: RunReport, name: string): string {
  const file = join(dir, name)
  renderGithub({
    view: buildView(report),
    reportDir: dir,
    stdout: captureStream(),
    env: { GITHUB_STEP_SUMMARY: file },
  })
  return readFileSync(file, 'utf8')
}

function junit(report: RunReport): string {
  const view = buildView(report)
  return junitXml(view.report.tests, '/reports', view.report.errors ?? [], runProperties(view))
}

/** The page without its per-render nonce, to compare two renders. */
const html = (report: RunReport): string =>
  htmlPage(buildView(report), dir).replace(/nonce-[^']+'|nonce="[^"]+"/g, 'NONCE')

/** A chaos report whose fault and prediction texts are hostile: markup, escape sequences, a workflow command. */
function hostile(): RunReport {
  const report = chaosReport()
  const fault = report.faults![3]!
  fault.source = 'db:stop@test:/<img src=x onerror=alert(1)>/'
  fault.error = '\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007\n::error::forged | cell'
  report.predictions![1]!.basis = '<script>alert(3)</script>'
  return report
}

describe('terminal', () => {
  it('ends with the chaos line, a row per fault on the run clock, and a row per prediction', () => {
    const text = terminal(chaosReport())
    const lines = text.split('\n')
    const at = lines.findIndex((l) => l.startsWith(' chaos: '))
    expect(lines.slice(at, at + 6).map((l) => l.replace(/\s+/g, ' ').trim())).toEqual([
      'chaos: 3 faults injected, 2 detected, 1 healed, 1 test lost, 2 planted bugs still red',
      'id fault injected detected recovered strategy tests hit result',
      'f1 db:kill@30% 2.10 s 2.12 s (health-probe) 2.45 s restart 3: 3 healed healed',
      'f2 app:latency=200ms@test:/case 2/ 1.60 s — — — 0 no-effect',
      'f3 app:kill@test:/reports ready/ 4.15 s 4.19 s (health-probe) 4.63 s restart 1: 1 failed/infra not-healed',
      'f4 db:stop@90% — — — — 0 not-injected: db has no chaos.stop command',
    ])
    expect(text).toContain(' Predictions (2)')
    expect(text).toMatch(
      /1\.70 s +db +saturation: pg\.connections → 100 \(max_connections\) +92% \(confidence 80%\) +0\.42 s \(estimated 0\.40 s\) +checkpoint, hold +yes/,
    )
    expect(text).toMatch(
      /3\.00 s +app +memory: proc\.rssBytes → 2 GiB +61% \(confidence 40%\) +— +none +no \(false alarm\)/,
    )
    // Before the report's path and the result, which stay the last lines.
    expect(at).toBeLessThan(lines.findIndex((l) => l.startsWith(' Heal ')))
  })

  it('prints no escape sequence and no line break from a fault or a prediction', () => {
    const text = terminal(hostile())
    expect(text).not.toContain('\u001b')
    expect(text).toContain('not-injected: click ::error::forged | cell')
    expect(text.split('\n').some((l) => l.startsWith('::error'))).toBe(false)
  })
})

describe('GitHub job summary', () => {
  it('has the chaos line and the scorecard and predictions tables', () => {
    const md = jobSummary(chaosReport(), 'chaos.md')
    expect(md).toContain(
      [
        '### Chaos',
        '',
        '`chaos: 3 faults injected, 2 detected, 1 healed, 1 test lost, 2 planted bugs still red`',
        '',
        '| id | fault | injected | detected | recovered | strategy | tests hit | result |',
        '| --- | --- | --- | --- | --- | --- | --- | --- |',
        '| f1 | db:kill@30% | 2.10 s | 2.12 s (health-probe) | 2.45 s | restart | 3: 3 healed | healed |',
      ].join('\n'),
    )
    expect(md).toContain('### Predictions (2)')
    expect(md).toContain(
      '| 1.70 s | db | saturation: pg.connections → 100 (max_connections) | 92% (confidence 80%) | 0.42 s (estimated 0.40 s) | checkpoint, hold | yes |',
    )
  })

  it('escapes the cells: no markup, no broken row', () => {
    const md = jobSummary(hostile(), 'hostile.md')
    expect(md).not.toMatch(/<img|<script/)
    expect(md).toContain('&lt;script&gt;alert(3)&lt;/script&gt;')
    const row = md.split('\n').find((l) => l.startsWith('| f4 |'))
    expect(row).toContain('forged \\| cell')
  })
})

describe('junit.xml', () => {
  it("keeps the run's chaos line, each fault and each prediction as properties of a suite of their own, and stays valid", async () => {
    const xml = junit(chaosReport())
    expect(xml).toContain(
      '<property name="vitest-heal.chaos" value="chaos: 3 faults injected, 2 detected, 1 healed, 1 test lost, 2 planted bugs still red"/>',
    )
    expect(xml).toContain(
      '<property name="vitest-heal.chaos.f1" value="db:kill@30%: healed; injected 2.10 s, detected 2.12 s (health-probe), recovered 2.45 s by restart; tests hit 3: 3 healed"/>',
    )
    expect(xml).toContain(
      '<property name="vitest-heal.prediction.2" value="app memory: proc.rssBytes → 2 GiB at 3.00 s',
    )
    expect(xml).toMatch(/<testsuite name="\(vitest-heal run\)" tests="0" failures="0" errors="0" skipped="0"/)
    const result = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [XSD] })
    expect(result.errors.map((e) => e.rawMessage)).toEqual([])
  })

  it("a fault's tests keep their normal testcase, and the totals are the tests'", () => {
    const plain = junit(exampleReport())
    const chaos = junit(chaosReport())
    const head = (xml: string) => xml.split('\n')[1]
    expect(head(chaos)).toBe(head(plain))
    expect(chaos.replace(/<testsuite name="\(vitest-heal run\)"[\s\S]*?<\/testsuite>\n/, '')).toBe(plain)
  })

  it('escapes hostile text in a property', async () => {
    const xml = junit(hostile())
    expect(xml).toContain('&lt;script&gt;alert(3)&lt;/script&gt;')
    const result = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [XSD] })
    expect(result.valid).toBe(true)
  })
})

describe('report.json', () => {
  it('holds faults[] and predictions[] as they are', () => {
    const report = chaosReport()
    const json = JSON.parse([...jsonChunks(buildView(report).report)].join('')) as RunReport
    expect(json.faults).toEqual(report.faults)
    expect(json.predictions).toEqual(report.predictions)
  })
})

describe('index.html', () => {
  it('has the scorecard and predictions tables, escaped', () => {
    const page = htmlPage(buildView(hostile()), dir)
    expect(page).toContain(
      '<div class="line" id="chaos-line">chaos: 3 faults injected, 2 detected, 1 healed, 1 test lost, 2 planted bugs still red</div>',
    )
    expect(page).toContain('<table id="faults">')
    expect(page).toContain('<td class="r-healed">healed</td>')
    // Each fault's tests by name, folded under their count.
    expect(page).toContain(
      '<td><details><summary>3: 3 healed</summary><div class="meta">test/orders.test.ts › orders &gt; creates an order — <span class="o-healed">healed</span></div>',
    )
    expect(page).toContain('<span class="o-failed">failed/infra</span>')
    expect(page).toContain('<table id="predictions">')
    expect(page).not.toMatch(/<img src=x|<script>alert/)
    expect(page).toContain('&lt;script&gt;alert(3)&lt;/script&gt;')
  })

  it("marks each fault and prediction in its service's lane, from its start to its end", () => {
    const page = htmlPage(buildView(chaosReport()), dir)
    const lane = (service: string): string => {
      const start = page.indexOf(`data-service="${service}"`)
      return page.slice(start, page.indexOf('<div class="tl-row', start + 1))
    }
    expect(lane('db')).toContain(
      '<g class="fault fault-healed"><title>db: fault f1 db:kill@30% injected at 2.10 s, healed, healthy again at 2.45 s</title>',
    )
    expect(lane('db')).toContain('<g class="prediction prediction-true">')
    expect(lane('app').match(/<g class="fault /g)).toHaveLength(2)
    expect(lane('app')).toContain('<g class="prediction prediction-false">')
    // Never injected: in the table, not on the axis.
    expect(page).not.toContain('fault f4')
  })
})

describe('vitest-heal merge', () => {
  it("puts every shard's faults and predictions side by side, each with its shard", () => {
    const merged = mergeReports([chaosReport(), chaosReport()], { sources: ['shard-a', 'shard-b'] })
    expect(merged.faults?.map((f) => `${f.id}@${f.shard}`)).toEqual([
      'f1@shard-a',
      'f2@shard-a',
      'f3@shard-a',
      'f4@shard-a',
      'f1@shard-b',
      'f2@shard-b',
      'f3@shard-b',
      'f4@shard-b',
    ])
    expect(merged.faults?.[0]?.source).toBe('db:kill@30%')
    expect(merged.predictions?.map((p) => p.source)).toEqual(['shard-a', 'shard-a', 'shard-b', 'shard-b'])
    const view = buildView(merged)
    expect(runProperties(view).map(([name]) => name)).toContain('vitest-heal.chaos.f1@shard-b')
    expect(view.lanes.find((l) => l.label === 'db (shard-b)')?.faults).toHaveLength(1)
  })

  it('merging shards without faults or predictions adds neither', () => {
    const merged = mergeReports([exampleReport(), exampleReport()])
    expect('faults' in merged).toBe(false)
    expect('predictions' in merged).toBe(false)
  })
})

describe('a run without faults or predictions', () => {
  const withEmpty = (): RunReport => ({ ...exampleReport(), faults: [], predictions: [] })

  it('renders as before in every report: nothing about chaos or predictions, no empty section', () => {
    const report = exampleReport()
    const text = terminal(report)
    const md = jobSummary(report, 'plain.md')
    const xml = junit(report)
    const page = html(report)
    for (const output of [text, md, xml, page]) expect(output).not.toMatch(/chaos|prediction|\bfaults?\b/i)
    expect(terminal(withEmpty())).toBe(text)
    expect(jobSummary(withEmpty(), 'empty.md')).toBe(md)
    expect(junit(withEmpty())).toBe(xml)
    expect(html(withEmpty())).toBe(page)
  })

  it("its lanes carry no chaos marks and the view's axis is unchanged", () => {
    const view = buildView(exampleReport())
    expect(view.lanes.every((l) => l.faults === undefined && l.predictions === undefined)).toBe(true)
    expect(buildView(chaosReport()).spanMs).toBe(view.spanMs)
  })
})

describe('lead time', () => {
  it('is the one the run had when the failure came, the estimate beside it; else the estimate, marked', () => {
    const [cameTrue] = chaosReport().predictions!
    expect(leadTime(cameTrue!)).toBe('0.42 s (estimated 0.40 s)')
    expect(leadTime({ ...cameTrue!, observedLeadMs: undefined })).toBe('estimated 0.40 s')
    expect(leadTime({ ...cameTrue!, observedLeadMs: undefined, leadTimeMs: undefined })).toBe('—')
  })
})

describe('the result line of a run --expect-healed failed', () => {
  it('says which faults failed it', () => {
    const report = exampleReport()
    report.tests = report.tests.filter((t) => t.outcome === 'passed')
    report.summary = summarize(report.tests)
    report.outcome = 'failed'
    report.faults = chaosReport().faults!.filter((f) => f.id === 'f4' || f.id === 'f1')
    expect(terminal(report)).toContain(' ✗ FAILED — exit code 1: 1 fault not healed (--expect-healed)')
  })
})

describe('vitest-heal merge of a shard that --expect-healed failed', () => {
  it('keeps the merged run failed, though every test of every shard passed', () => {
    const green = (): RunReport => {
      const report = exampleReport()
      report.tests = report.tests.filter((t) => t.outcome === 'passed')
      report.summary = summarize(report.tests)
      report.errors = []
      report.unhandledErrors = []
      report.outcome = 'passed'
      return report
    }
    const expected = green()
    expected.faults = chaosReport().faults!.filter((f) => f.id === 'f4')
    expected.outcome = 'failed'
    expect(mergeReports([green(), expected]).outcome).toBe('failed')
    expect(mergeReports([green(), green()]).outcome).toBe('passed')
    // The same faults in a shard that passed (run without --expect-healed) do not fail the merge.
    expect(mergeReports([green(), { ...expected, outcome: 'passed' }]).outcome).toBe('passed')
  })
})
