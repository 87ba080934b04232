/**
 * The chaos scorecard: what each injected fault did to the run, read from the run's own report
 * (tries, recoveries, health timeline), so the scorecard can never tell a different story than the
 * tests do. Pure: the injector (chaos/) says when it applied each fault; everything else is here.
 */
import type { ChaosScore, FaultInjection, FaultReport } from './fault.js'
import { testKey, type HealthEvent, type RunReport, type TestReport, type TryRecord } from './report.js'

export interface Scorecard {
  faults: FaultReport[]
  score: ChaosScore
}

function toMs(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? undefined : ms
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

/**
 * The service a failed try blames, if any: the confirmed verdict, else the hypothesis. A latency
 * fault's timeout is downgraded to flaky when the probe finds the service answering, but the try
 * still names the service the fault slowed down.
 */
function blamedService(attempt: TryRecord): string | undefined {
  return attempt.verdict?.service ?? attempt.hypothesis?.service
}

/**
 * Whether a failed try may be this fault's doing: infra or timing-class blamed on its service, or
 * infra that blamed no service (an error that names no address). A test bug is the test's own,
 * never the fault's; a timing failure that names no service is not evidence of any fault.
 */
function mayBeFaults(attempt: TryRecord, service: string): boolean {
  if (attempt.state !== 'failed') return false
  const kind = attempt.verdict?.kind ?? attempt.hypothesis?.kind
  const blamed = blamedService(attempt)
  if (blamed === undefined) return kind === 'infra'
  return blamed === service && (kind === 'infra' || kind === 'flaky')
}

/**
 * When a try ran: from its start to its end. A try without a start time (a test skipped by a
 * failed `beforeAll` carries its hook's failure as an untimed try) is placed at the outage its
 * recovery record names, when it has one.
 */
function tryWindow(attempt: TryRecord): { from: number; to: number } | undefined {
  const start = toMs(attempt.startedAt)
  if (start !== undefined) return { from: start, to: start + attempt.durationMs }
  const downAt = toMs(attempt.recovery?.downAt) ?? toMs(attempt.recovery?.healthyAt)
  return downAt === undefined ? undefined : { from: downAt, to: downAt }
}

interface Recovered {
  at: number
  strategy?: string
}

/**
 * The first time the service was healthy again after the fault: a successful recovery of this run
 * that started after the injection, a try's record of a recovery (by another process, or the
 * service by itself), or else a `healthy` health event that follows a `down` after the injection
 * (a network fault that simply ended).
 */
function recoveryAfter(
  service: string,
  injectedAt: number,
  until: number,
  report: RunReport,
): Recovered | undefined {
  const found: Recovered[] = []
  for (const r of report.recoveries) {
    const start = toMs(r.startedAt)
    if (r.service !== service || !r.ok || start === undefined || start < injectedAt || start > until) continue
    found.push({ at: start + r.durationMs, strategy: r.strategy })
  }
  for (const test of report.tests) {
    for (const attempt of test.tries ?? []) {
      const recovery = attempt.recovery
      const at = toMs(recovery?.healthyAt)
      if (!recovery || recovery.service !== service || at === undefined || at < injectedAt) continue
      if ((toMs(recovery.downAt) ?? at) > until) continue
      const strategy =
        recovery.strategy ?? (recovery.by === 'another process' ? 'another process' : undefined)
      found.push(strategy === undefined ? { at } : { at, strategy })
    }
  }
  if (found.length === 0) {
    const events = serviceEvents(report.timeline ?? [], service, injectedAt)
    const down = events.findIndex((e) => e.state === 'down' && (toMs(e.at) ?? 0) <= until)
    const back = down === -1 ? undefined : events.slice(down).find((e) => e.state === 'healthy')
    const at = toMs(back?.at)
    if (at !== undefined) found.push({ at })
  }
  return found.sort((a, b) => a.at - b.at)[0]
}

function serviceEvents(timeline: readonly HealthEvent[], service: string, from: number): HealthEvent[] {
  return timeline
    .filter((e) => e.service === service && (toMs(e.at) ?? -Infinity) >= from)
    .sort((a, b) => (toMs(a.at) ?? 0) - (toMs(b.at) ?? 0))
}

/** `failed/infra`, `failed/test-bug`, or the outcome itself: what the scorecard row says of a test. */
function outcomeText(test: TestReport): string {
  return test.outcome === 'failed' ? `failed/${test.cause ?? 'test-bug'}` : test.outcome
}

/** A test the fault hit is lost when the run ended without it passing for an infra reason. */
const LOST_OUTCOMES = new Set(['failed/infra', 'skipped'])

/**
 * `nextOnService`: when the next fault on the same service was applied. What happens after it is
 * that fault's to claim, so a latency fault with no effect never takes a later kill's recovery.
 */
function scoreOne(
  injection: FaultInjection,
  report: RunReport,
  soleOnService: boolean,
  nextOnService: number,
): FaultReport {
  const { fault } = injection
  const row: FaultReport = {
    id: fault.id,
    service: fault.service,
    kind: fault.kind,
    source: fault.source,
    result: 'not-injected',
    tests: [],
    ...(injection.error !== undefined ? { error: injection.error } : {}),
  }
  const injectedAt = injection.injectedAt
  if (injectedAt === undefined) return row
  row.injectedAt = iso(injectedAt)

  // A recovery that started after a fault with a duration ended answered something else.
  const recoveryUntil = Math.min(nextOnService, injection.endedAt ?? Number.POSITIVE_INFINITY)
  const recovered = recoveryAfter(fault.service, injectedAt, recoveryUntil, report)
  if (recovered) {
    row.recoveredAt = iso(recovered.at)
    if (recovered.strategy !== undefined) row.strategy = recovered.strategy
  }
  // The fault is active until it ended and its service was healthy again, whichever came last.
  const ends = [recovered?.at, injection.endedAt].filter((t): t is number => t !== undefined)
  const activeUntil = Math.min(nextOnService, ends.length > 0 ? Math.max(...ends) : Number.POSITIVE_INFINITY)

  const hit: TestReport[] = []
  let detected: { at: number; by: FaultReport['detectedBy'] } | undefined
  for (const test of report.tests) {
    let isHit = false
    for (const attempt of test.tries ?? []) {
      if (!mayBeFaults(attempt, fault.service)) continue
      const service = blamedService(attempt)
      const window = tryWindow(attempt)
      // An untimed try blamed on this service belongs to it only when no other fault could claim it.
      const inside = window
        ? window.to >= injectedAt && window.from <= activeUntil
        : service === fault.service && soleOnService
      if (!inside) continue
      isHit = true
      // A failure is seen when the try fails, which is never before the fault was applied.
      if (service === fault.service && window) {
        const at = Math.max(window.to, injectedAt)
        if (!detected || at < detected.at) detected = { at, by: 'test-failure' }
      }
    }
    if (isHit) hit.push(test)
  }
  const probed = serviceEvents(report.timeline ?? [], fault.service, injectedAt).find(
    (e) => e.state === 'down' || e.state === 'broken',
  )
  const probedAt = toMs(probed?.at)
  if (probedAt !== undefined && probedAt <= activeUntil && (!detected || probedAt < detected.at))
    detected = { at: probedAt, by: 'health-probe' }
  if (detected) {
    row.detectedAt = iso(detected.at)
    row.detectedBy = detected.by
  }

  row.tests = hit.map((t) => ({
    file: t.file,
    name: t.name,
    ...(t.project !== undefined ? { project: t.project } : {}),
    ...(t.index ? { index: t.index } : {}),
    outcome: outcomeText(t),
  }))
  const lost = row.tests.filter((t) => LOST_OUTCOMES.has(t.outcome)).length
  row.result = resultOf(row, lost, hit.length, stillDown(report, fault.service, injectedAt, nextOnService))
  return row
}

/** The service's last health state after the injection (and before the next fault on it) was an outage. */
function stillDown(report: RunReport, service: string, injectedAt: number, until: number): boolean {
  const last = serviceEvents(report.timeline ?? [], service, injectedAt)
    .filter((e) => (toMs(e.at) ?? 0) < until)
    .at(-1)
  return last?.state === 'down' || last?.state === 'broken'
}

/**
 * `not-healed` when a test it hit was lost or its service was left down; `healed` when it was seen
 * (a failure or a probe) and every test it hit ended passed, healed, flaky or as the test's own bug
 * (a planted bug stays red: it is counted apart, never as healed); `no-effect` when nothing saw it.
 */
function resultOf(row: FaultReport, lost: number, hit: number, down: boolean): FaultReport['result'] {
  if (lost > 0) return 'not-healed'
  if (row.detectedAt !== undefined && row.recoveredAt === undefined && down) return 'not-healed'
  if (hit === 0 && row.detectedAt === undefined) return 'no-effect'
  return 'healed'
}

export function scoreFaults(injections: readonly FaultInjection[], report: RunReport): Scorecard {
  const injectedPerService = new Map<string, number>()
  for (const { fault, injectedAt } of injections) {
    if (injectedAt !== undefined)
      injectedPerService.set(fault.service, (injectedPerService.get(fault.service) ?? 0) + 1)
  }
  const nextOnService = (injection: FaultInjection): number => {
    const from = injection.injectedAt ?? Number.POSITIVE_INFINITY
    const later = injections
      .filter((i) => i.fault.service === injection.fault.service && i.injectedAt !== undefined)
      .map((i) => i.injectedAt as number)
      .filter((at) => at > from)
    return later.length > 0 ? Math.min(...later) : Number.POSITIVE_INFINITY
  }
  const faults = injections.map((injection) =>
    scoreOne(
      injection,
      report,
      injectedPerService.get(injection.fault.service) === 1,
      nextOnService(injection),
    ),
  )
  return { faults, score: chaosScore(faults, report) }
}

/**
 * The one-line score from the rows: what the reporters print from a report.json (merged shards
 * included) without the injector's data.
 */
export function chaosScore(faults: readonly FaultReport[], report: Pick<RunReport, 'tests'>): ChaosScore {
  // One test two faults hit is one test lost, not two.
  const lost = new Set(
    faults.flatMap((f) => f.tests.filter((t) => LOST_OUTCOMES.has(t.outcome)).map(testKey)),
  )
  return {
    injected: faults.filter((f) => f.injectedAt !== undefined).length,
    detected: faults.filter((f) => f.detectedAt !== undefined).length,
    healed: faults.filter((f) => f.result === 'healed').length,
    testsLost: lost.size,
    // A quarantined failure (known flaky) does not fail the run: it is not red.
    bugsStillRed: report.tests.filter((t) => t.outcome === 'failed' && t.cause !== 'infra' && !t.quarantined)
      .length,
  }
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}

/** `chaos: 3 faults injected, 3 detected, 3 healed, 0 tests lost, 1 planted bug still red`. */
export function chaosLine(score: ChaosScore): string {
  return [
    `chaos: ${count(score.injected, 'fault', 'faults')} injected`,
    `${score.detected} detected`,
    `${score.healed} healed`,
    `${count(score.testsLost, 'test', 'tests')} lost`,
    `${count(score.bugsStillRed, 'planted bug', 'planted bugs')} still red`,
  ].join(', ')
}

/**
 * Whether `--expect-healed` fails the run: a fault that was not healed, one that was never
 * injected or could not be applied (it proved nothing), or a test a fault cost. A fault with no
 * effect passes: latency under the client's timeout should change nothing. Planted bugs fail the
 * run on their own, as in any run.
 */
export function chaosFails(
  score: ChaosScore,
  faults: readonly FaultReport[],
  expectHealed: boolean,
): boolean {
  if (!expectHealed) return false
  if (score.testsLost > 0) return true
  return faults.some((f) => f.result === 'not-healed' || f.result === 'not-injected' || f.error !== undefined)
}
