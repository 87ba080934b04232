/**
 * Issue 11: a test named `n\n::warning::forged` printed a line GitHub runs as a workflow command,
 * and an error message's OSC 8 hyperlink reached the terminal raw. What the end-of-run summary and
 * the live status lines print from tests and errors is stripped of control sequences and no line
 * of it starts with `::` (GitHub's runner trims a line before it looks for a command).
 */
import { describe, expect, it } from 'vitest'
import { renderSummary } from '../../../src/reporters/summary.js'
import { buildView } from '../../../src/reporters/view.js'
import { createStatusSink } from '../../../src/session/status.js'
import { captureStream, exampleReport } from '../../reporters/fixtures/example-report.js'

const ESC = '\x1b'
const OSC_LINK = `${ESC}]8;;http://evil\x07click me${ESC}]8;;\x07`

function runsAsWorkflowCommand(output: string): string[] {
  // GitHub's runner splits on CR as well as LF.
  return output.split(/\r\n|\r|\n/).filter((line) => line.trimStart().startsWith('::'))
}

describe('the terminal summary', () => {
  function summaryOf(mutate: (report: ReturnType<typeof exampleReport>) => void, tty = false): string {
    const report = exampleReport()
    mutate(report)
    const stdout = captureStream(tty)
    renderSummary({ view: buildView(report), reportDir: '/tmp/r', stdout, env: tty ? {} : { NO_COLOR: '1' } })
    return stdout.text()
  }
  const testBug = (report: ReturnType<typeof exampleReport>) =>
    report.tests.find((t) => t.outcome === 'failed' && t.cause === 'test-bug')!

  it('prints a test named "n\\n::warning::forged" on its one line', () => {
    const out = summaryOf((r) => (testBug(r).name = 'n\n::warning::forged'))
    expect(runsAsWorkflowCommand(out)).toEqual([])
    expect(out).toMatch(/^ {3}✗ \S+ › n ::warning::forged {2}\[/m)
  })

  it('an error message holding a workflow command after a CR runs nothing', () => {
    const out = summaryOf((r) => (testBug(r).tries!.at(-1)!.errors[0]!.message = 'x\r::add-mask::y'))
    expect(runsAsWorkflowCommand(out)).toEqual([])
    expect(out).toContain(': x ::add-mask::y')
  })

  it('no escape sequence from a name or a message reaches the terminal, ours still do', () => {
    const out = summaryOf((r) => {
      testBug(r).name = `name ${OSC_LINK} ${ESC}[2J`
      testBug(r).tries!.at(-1)!.errors[0]!.message = `body ${OSC_LINK}`
    }, true)
    expect(out).not.toContain(`${ESC}]`)
    expect(out).not.toContain(`${ESC}[2J`)
    expect(out).toContain('name click me ')
    expect(out).toContain('body click me')
    expect(out).toContain(`${ESC}[`) // the summary's own colours on a TTY
  })
})

describe('the live status lines', () => {
  it('strip control sequences and defuse a workflow command on a following line', () => {
    const stream = captureStream()
    createStatusSink({ enabled: true, stream, env: { NO_COLOR: '1' } }).line(
      'error',
      `db down (${OSC_LINK})\n::warning::forged\r::error::x`,
    )
    expect(stream.text()).toBe('vitest-heal ✗ db down (click me)\n:\u200b:warning::forged::error::x\n')
    expect(runsAsWorkflowCommand(stream.text())).toEqual([])
  })
})
