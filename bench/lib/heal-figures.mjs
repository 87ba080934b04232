/**
 * Figures bench/heal reads out of a report.json: where every re-execution went, and how long the
 * outage lasted from the first failure it caused to the service being healthy again.
 */

const failedAt = (t) => Date.parse(t.startedAt) + (t.durationMs ?? 0)

/**
 * Every retry follows a failed try; it is justified when that try's (confirmed) verdict was infra or
 * flaky. `needless` counts the executions no failed try explains: tests + justified retries are
 * subtracted from what the progress file counted, so a second pass that re-ran a passing test, or a
 * retried test bug, shows up here.
 */
export function accountExecutions(report, executions) {
  let infraRetries = 0
  let flakyRetries = 0
  let testBugRetries = 0
  let infraBroken = 0
  for (const test of report.tests) {
    const tries = test.tries ?? []
    if (tries.some((t) => t.state === 'failed' && t.verdict?.kind === 'infra')) infraBroken++
    tries.slice(0, -1).forEach((t) => {
      if (t.state !== 'failed') return
      if (t.verdict?.kind === 'infra') infraRetries++
      else if (t.verdict?.kind === 'flaky') flakyRetries++
      else testBugRetries++
    })
  }
  const tests = report.tests.length
  const reportedTries = report.tests.reduce((sum, t) => sum + (t.tries?.length ?? t.attempts), 0)
  return {
    tests,
    executions,
    reportedTries,
    infraBroken,
    infraRetries,
    flakyRetries,
    testBugRetries,
    needless: executions - tests - infraRetries - flakyRetries,
  }
}

/**
 * From the first try that failed as infra (the moment it failed) to the first `healthy` event of the
 * blamed service after it; `recoveryMs` is the recovery itself, from report.recoveries. When no try
 * failed (the outage was found and healed before a test met it), from the recovered service's first
 * `down` event instead: `from` says which.
 */
export function healLatency(report) {
  const infraTries = report.tests
    .flatMap((test) => test.tries ?? [])
    .filter((t) => t.state === 'failed' && t.verdict?.kind === 'infra' && t.startedAt)
  if (infraTries.length === 0) return outageLatency(report)
  const first = infraTries.reduce((a, b) => (failedAt(b) < failedAt(a) ? b : a))
  return latencyFrom(report, first.verdict.service, failedAt(first), 'first infra failure')
}

function outageLatency(report) {
  const service = report.recoveries.find((r) => r.ok)?.service
  const down = (report.timeline ?? [])
    .filter((e) => e.service === service && e.state === 'down')
    .map((e) => Date.parse(e.at))
    .sort((a, b) => a - b)[0]
  return down === undefined ? undefined : latencyFrom(report, service, down, 'outage seen (no test failed)')
}

function latencyFrom(report, service, firstFailure, from) {
  const healthy = (report.timeline ?? [])
    .filter((e) => e.service === service && e.state === 'healthy' && Date.parse(e.at) >= firstFailure)
    .map((e) => Date.parse(e.at))
    .sort((a, b) => a - b)[0]
  if (healthy === undefined) return undefined
  const recovery = report.recoveries.find(
    (r) => r.service === service && r.ok && Date.parse(r.startedAt) >= firstFailure - 1_000,
  )
  return {
    service,
    from,
    latencyMs: healthy - firstFailure,
    untilRecoveryStartMs: recovery ? Date.parse(recovery.startedAt) - firstFailure : undefined,
    recoveryMs: recovery?.durationMs,
  }
}
