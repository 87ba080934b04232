import { describe, expect, it } from 'vitest'
import type { ReportSummary } from '../../../src/core/report.js'
import type { RecoveryRecord } from '../../../src/core/types.js'
import { describeRecoveries, summaryLine } from '../../../src/core/summary-line.js'

const summary: ReportSummary = {
  total: 424,
  passed: 412,
  healed: 9,
  flaky: 2,
  failed: 1,
  testBug: 1,
  infra: 0,
  skipped: 0,
}

function recovery(patch: Partial<RecoveryRecord>): RecoveryRecord {
  return {
    service: 'db',
    strategy: 'restart',
    ok: true,
    trigger: 'inline',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 310,
    requests: 9,
    ...patch,
  }
}

describe('summaryLine', () => {
  it('prints the documented line', () => {
    expect(summaryLine(summary, [recovery({})])).toBe(
      'Heal  ✓ 412 passed  ✚ 9 healed (db restarted 1×, 0.31 s)  ~ 2 flaky  ✗ 1 test bug  ✗ 0 infra',
    )
  })

  it('leaves out the parentheses when nothing was recovered, and pluralises', () => {
    const clean = { ...summary, healed: 0, testBug: 2, failed: 2 }
    expect(summaryLine(clean)).toBe('Heal  ✓ 412 passed  ✚ 0 healed  ~ 2 flaky  ✗ 2 test bugs  ✗ 0 infra')
  })

  it('counts errors outside tests that fail the run, so the line agrees with the exit code', () => {
    const clean = { ...summary, testBug: 0, failed: 0 }
    expect(summaryLine(clean, [], { outsideErrors: 1 })).toBe(
      'Heal  ✓ 412 passed  ✚ 9 healed  ~ 2 flaky  ✗ 0 test bugs  ✗ 0 infra  ✗ 1 error outside tests',
    )
    expect(summaryLine(clean, [], { outsideErrors: 2 })).toMatch(/✗ 2 errors outside tests$/)
    expect(summaryLine(clean, [], { outsideErrors: 0 })).not.toContain('outside')
  })

  it('adds skipped tests only when there are some', () => {
    expect(summaryLine({ ...summary, skipped: 3 })).toMatch(/ {2}○ 3 skipped$/)
  })
})

describe('describeRecoveries', () => {
  it('groups by service, sums durations and counts failed attempts', () => {
    const text = describeRecoveries([
      recovery({ durationMs: 200 }),
      recovery({ service: 'app', strategy: 'command:npm', durationMs: 1_500 }),
      recovery({ durationMs: 250 }),
      recovery({ ok: false, strategy: 'command:pg_ctl', durationMs: 50 }),
    ])
    expect(text).toBe('db restarted 2×, 1 failed, 0.50 s; app recovered 1×, 1.50 s')
  })

  it('ignores pre-flight starts: they are not healing', () => {
    expect(describeRecoveries([recovery({ trigger: 'preflight' })])).toBe('')
    expect(describeRecoveries([recovery({ trigger: 'second-pass' })])).toBe('db restarted 1×, 0.31 s')
  })
})
