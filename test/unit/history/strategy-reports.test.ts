/** The reports say which strategy the history put first and why; a run without a learned order shows nothing new. */
import { describe, expect, it } from 'vitest'
import { htmlPage } from '../../../src/reporters/html.js'
import { terminalSummary } from '../../../src/reporters/summary.js'
import { buildView } from '../../../src/reporters/view.js'
import { captureStream, exampleReport } from '../../reporters/fixtures/example-report.js'

function learned() {
  const report = exampleReport()
  const first = report.recoveries[0]!
  report.recoveries[0] = { ...first, reason: '97% of 34 past attempts' }
  return { report, first }
}

const summary = (report = exampleReport()) =>
  terminalSummary({ view: buildView(report), reportDir: '/r', stdout: captureStream(false), env: {} })

describe('strategy reasons in the reports', () => {
  it('terminal summary: one line per recovery the history ordered, with its record', () => {
    const { report, first } = learned()
    const text = summary(report)
    expect(text).toContain(' Recovery strategies ordered by their history (1)')
    expect(text).toContain(
      `${first.service} ${first.strategy} ${first.ok ? 'ok' : 'failed'} — 97% of 34 past attempts`,
    )
    expect(summary()).not.toContain('ordered by their history')
  })

  it('HTML: the recoveries table says why the strategy was chosen (escaped like any text)', () => {
    const { report } = learned()
    report.recoveries[0]!.reason = '97% of 34 past attempts <b>'
    const page = htmlPage(buildView(report), '/r')
    expect(page).toContain('chosen by its history: 97% of 34 past attempts &lt;b&gt;')
    expect(htmlPage(buildView(exampleReport()), '/r')).not.toContain('chosen by its history')
  })
})
