/**
 * The one line printed at the end of the terminal output. Plain text: colour is the terminal
 * reporter's business.
 *
 *   Heal  ✓ 412 passed  ✚ 9 healed (db restarted 1×, 0.31 s)  ~ 2 flaky  ✗ 1 test bug  ✗ 0 infra
 */
import type { RecoveryRecord } from './types.js'
import type { ReportSummary } from './report.js'

type RecoveryLike = Pick<RecoveryRecord, 'service' | 'strategy' | 'ok' | 'durationMs' | 'trigger'>

/** `restart` reads as "restarted"; every other strategy (a command, compose, custom) as "recovered". */
function verb(strategies: ReadonlySet<string>): string {
  return strategies.size === 1 && strategies.has('restart') ? 'restarted' : 'recovered'
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`
}

/**
 * Per service, in order of first appearance: `db restarted 1×, 0.31 s`. Pre-flight starts are not
 * healing (the service was down before any test), so they are left out of the line.
 */
export function describeRecoveries(recoveries: readonly RecoveryLike[]): string {
  const byService = new Map<string, RecoveryLike[]>()
  for (const r of recoveries) {
    if (r.trigger === 'preflight' || r.trigger === 'doctor') continue
    const list = byService.get(r.service) ?? []
    list.push(r)
    byService.set(r.service, list)
  }
  const parts: string[] = []
  for (const [service, list] of byService) {
    const ok = list.filter((r) => r.ok)
    const failed = list.length - ok.length
    const duration = list.reduce((sum, r) => sum + r.durationMs, 0)
    const failedNote = failed > 0 ? `, ${failed} failed` : ''
    parts.push(
      `${service} ${verb(new Set(ok.map((r) => r.strategy)))} ${ok.length}×${failedNote}, ${seconds(duration)}`,
    )
  }
  return parts.join('; ')
}

export interface SummaryLineExtras {
  /**
   * Errors outside any test (hooks, module level, unhandled) that fail the run: without them in
   * the line, a run failed by an `afterAll` would read `✗ 0 test bugs  ✗ 0 infra` and exit 1.
   */
  outsideErrors?: number
}

export function summaryLine(
  summary: ReportSummary,
  recoveries: readonly RecoveryLike[] = [],
  extras: SummaryLineExtras = {},
): string {
  const recovered = describeRecoveries(recoveries)
  const healed = `✚ ${summary.healed} healed${recovered ? ` (${recovered})` : ''}`
  const parts = [
    'Heal',
    `✓ ${summary.passed} passed`,
    healed,
    `~ ${summary.flaky} flaky`,
    `✗ ${summary.testBug} test bug${summary.testBug === 1 ? '' : 's'}`,
    `✗ ${summary.infra} infra`,
  ]
  const outside = extras.outsideErrors ?? 0
  if (outside > 0) parts.push(`✗ ${outside} error${outside === 1 ? '' : 's'} outside tests`)
  if (summary.skipped > 0) parts.push(`○ ${summary.skipped} skipped`)
  // Counted among the failures above (they failed); the line must say why the run still passed.
  if (summary.quarantined) parts.push(`⊘ ${summary.quarantined} quarantined (known flaky)`)
  return parts.join('  ')
}
