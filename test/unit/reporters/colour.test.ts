/**
 * One rule for colour, and both things vitest-heal prints follow it: the end-of-run summary (stdout)
 * and the live status lines (stderr). Before, the summary counted an empty NO_COLOR as unset and
 * ignored FORCE_COLOR, while the status lines took an empty NO_COLOR as set.
 */
import { describe, expect, it } from 'vitest'
import { colourEnabled } from '../../../src/reporters/colour.js'
import { terminalSummary } from '../../../src/reporters/summary.js'
import { buildView } from '../../../src/reporters/view.js'
import { createStatusSink } from '../../../src/session/status.js'
import { captureStream, exampleReport } from '../../reporters/fixtures/example-report.js'

const ESC = '\u001b['

function statusColoured(isTTY: boolean, env: Record<string, string>): boolean {
  const stream = captureStream(isTTY)
  createStatusSink({ enabled: true, stream, env }).line('ok', 'db healthy')
  return stream.text().includes(ESC)
}

function summaryColoured(isTTY: boolean, env: Record<string, string>): boolean {
  const text = terminalSummary({
    view: buildView(exampleReport()),
    reportDir: '/r',
    stdout: captureStream(isTTY),
    env,
  })
  return text.includes(ESC)
}

// [what, isTTY, env, colour?]
const CASES: [string, boolean, Record<string, string>, boolean][] = [
  ['a terminal', true, {}, true],
  ['a pipe', false, {}, false],
  ['a terminal with NO_COLOR=1', true, { NO_COLOR: '1' }, false],
  ['a terminal with NO_COLOR= (empty), as Vitest reads it', true, { NO_COLOR: '' }, false],
  ['a pipe with FORCE_COLOR=1', false, { FORCE_COLOR: '1' }, true],
  ['a pipe with FORCE_COLOR= (empty)', false, { FORCE_COLOR: '' }, true],
  ['a terminal with FORCE_COLOR=0', true, { FORCE_COLOR: '0' }, false],
  ['a terminal with FORCE_COLOR=false', true, { FORCE_COLOR: 'false' }, false],
  ['NO_COLOR and FORCE_COLOR together: NO_COLOR wins', true, { NO_COLOR: '1', FORCE_COLOR: '1' }, false],
  ['a dumb terminal', true, { TERM: 'dumb' }, false],
  ['a dumb terminal with FORCE_COLOR=1', true, { TERM: 'dumb', FORCE_COLOR: '1' }, true],
]

describe('colour', () => {
  it.each(CASES)('%s', (_what, isTTY, env, expected) => {
    expect(colourEnabled({ isTTY }, env)).toBe(expected)
    expect(summaryColoured(isTTY, env), 'summary').toBe(expected)
    expect(statusColoured(isTTY, env), 'status lines').toBe(expected)
  })

  it('status lines colour the prefix only, the same way the summary paints', () => {
    const stream = captureStream(true)
    createStatusSink({ enabled: true, stream, env: {} }).line('error', 'db declared broken')
    expect(stream.text()).toBe('\u001b[31mvitest-heal ✗\u001b[39m db declared broken\n')
  })
})
