/** A run report holding only recoveries: what the learning tests record between sessions. */
import type { RunReport } from '../../../src/core/report.js'
import type { RecoveryRecord } from '../../../src/core/types.js'

export function recoveryRun(recoveries: RecoveryRecord[], startedAt = new Date().toISOString()): RunReport {
  const zero = { total: 0, passed: 0, healed: 0, flaky: 0, failed: 0, testBug: 0, infra: 0, skipped: 0 }
  return { version: 1, outcome: 'passed', summary: zero, tests: [], recoveries, startedAt }
}
