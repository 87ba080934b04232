/**
 * The chaos scorecard and the predictions as rows of plain text, on the run's one clock (seconds
 * from the start): every renderer shows the same columns with the same words, and escapes them its
 * own way. Nothing here when the run had no faults or predictions, so a normal report is unchanged.
 */
import type { FaultReport } from '../core/fault.js'
import type { PredictionReport } from '../core/prediction.js'
import { chaosLine, chaosScore } from '../core/scorecard.js'
import { seconds, type ReportView } from './view.js'

export interface TextTable {
  headers: string[]
  rows: string[][]
}

export const FAULT_HEADERS = [
  'id',
  'fault',
  'injected',
  'detected',
  'recovered',
  'strategy',
  'tests hit',
  'result',
]
export const PREDICTION_HEADERS = [
  'at',
  'service',
  'predicted',
  'probability',
  'lead time',
  'actions',
  'came true',
]

/** A report time as seconds from the run's start, or `—` when it never happened. */
export function clockOf(view: ReportView, iso: string | undefined): string {
  const ms = iso === undefined ? Number.NaN : Date.parse(iso)
  return Number.isNaN(ms) ? '—' : seconds(ms - view.startMs)
}

/** `db:kill@30%`, with the shard it ran in after a merge. */
function faultName(fault: FaultReport): string {
  return fault.shard === undefined ? fault.source : `${fault.source} (${fault.shard})`
}

/** `3: 2 healed, 1 failed/test-bug`, or `0`. */
export function testsHit(fault: FaultReport): string {
  if (fault.tests.length === 0) return '0'
  const byOutcome = new Map<string, number>()
  for (const t of fault.tests) byOutcome.set(t.outcome, (byOutcome.get(t.outcome) ?? 0) + 1)
  const parts = [...byOutcome].map(([outcome, n]) => `${n} ${outcome}`)
  return `${fault.tests.length}: ${parts.join(', ')}`
}

/** The result, with why a fault was not applied when it could not be. */
export function faultResult(fault: FaultReport): string {
  return fault.error === undefined ? fault.result : `${fault.result}: ${fault.error}`
}

function detected(view: ReportView, fault: FaultReport): string {
  const at = clockOf(view, fault.detectedAt)
  return fault.detectedBy === undefined ? at : `${at} (${fault.detectedBy})`
}

export function faultCells(view: ReportView, fault: FaultReport): string[] {
  return [
    fault.id,
    faultName(fault),
    clockOf(view, fault.injectedAt),
    detected(view, fault),
    clockOf(view, fault.recoveredAt),
    fault.strategy ?? '—',
    testsHit(fault),
    faultResult(fault),
  ]
}

/** `yes`, `no (false alarm)`, or `open` while the window had not closed when the run ended. */
export function cameTrue(prediction: PredictionReport): string {
  if (prediction.cameTrue === undefined) return 'open'
  return prediction.cameTrue ? 'yes' : 'no (false alarm)'
}

/**
 * The lead time the run really had (alarm to failure) when the failure came, with the estimate
 * beside it; the estimate alone, marked so, while it had not.
 */
export function leadTime(p: PredictionReport): string {
  const estimated = p.leadTimeMs === undefined ? undefined : seconds(p.leadTimeMs)
  if (p.observedLeadMs !== undefined)
    return `${seconds(p.observedLeadMs)}${estimated ? ` (estimated ${estimated})` : ''}`
  return estimated ? `estimated ${estimated}` : '—'
}

export function predictionCells(view: ReportView, p: PredictionReport): string[] {
  return [
    clockOf(view, p.at),
    p.service,
    `${p.failure}: ${p.basis}`,
    `${Math.round(p.probability * 100)}% (confidence ${Math.round(p.confidence * 100)}%)`,
    leadTime(p),
    p.actions.length > 0 ? p.actions.join(', ') : 'none',
    cameTrue(p),
  ]
}

/** The chaos line of the run, or undefined when it had no faults. */
export function chaosSummary(view: ReportView): string | undefined {
  const faults = view.report.faults
  if (!faults || faults.length === 0) return undefined
  return chaosLine(chaosScore(faults, view.report))
}

export function faultTable(view: ReportView): TextTable | undefined {
  const faults = view.report.faults
  if (!faults || faults.length === 0) return undefined
  return { headers: FAULT_HEADERS, rows: faults.map((f) => faultCells(view, f)) }
}

export function predictionTable(view: ReportView): TextTable | undefined {
  const predictions = view.report.predictions
  if (!predictions || predictions.length === 0) return undefined
  return { headers: PREDICTION_HEADERS, rows: predictions.map((p) => predictionCells(view, p)) }
}

/** One fault in one sentence, for a place that holds a single value (a junit property). */
export function faultSentence(view: ReportView, fault: FaultReport): string {
  const [, name, injected, found, recovered, strategy, hit] = faultCells(view, fault)
  return `${name}: ${faultResult(fault)}; injected ${injected}, detected ${found}, recovered ${recovered}${fault.strategy ? ` by ${strategy}` : ''}; tests hit ${hit}`
}

/** One prediction in one sentence. */
export function predictionSentence(view: ReportView, p: PredictionReport): string {
  const [at, service, predicted, probability, lead, actions, came] = predictionCells(view, p)
  return `${service} ${predicted} at ${at}, ${probability}, lead time ${lead}, actions ${actions}, came true: ${came}`
}
