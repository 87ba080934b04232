/**
 * Pre-flight: before the first test file runs, check every service in declaration order, start or
 * recover what is down, and export each healthy service's URL through its `env` variable (so a
 * later owned service, e.g. the app, starts with the database URL it needs).
 */
import { HealError } from '../errors.js'
import type { HealthProbe, RecoveryRecord } from '../core/types.js'
import type { Service } from '../services/types.js'
import { recoverService } from '../services/recover-service.js'
import { waitUntilHealthy } from '../services/wait.js'
import { formatSeconds, type StatusSink } from './status.js'

/** One thing pre-flight did to one service, for the failure message and doctor. */
export interface PreflightStep {
  what: string
  said: string
  durationMs: number
}

export interface ServicePreflight {
  service: string
  healthy: boolean
  steps: PreflightStep[]
}

export interface PreflightResult {
  ok: boolean
  services: ServicePreflight[]
  records: RecoveryRecord[]
}

export interface PreflightOptions {
  status: StatusSink
  /** Where service URLs are exported; the main process's env is what workers inherit. */
  env?: NodeJS.ProcessEnv
  /** doctor without --fix: look, do not touch. */
  recover?: boolean
}

export async function runPreflight(
  services: readonly Service[],
  options: PreflightOptions,
): Promise<PreflightResult> {
  const { status } = options
  const env = options.env ?? process.env
  // A recovery command that does not exist is a config mistake: report it before starting anything.
  for (const service of services) {
    for (const recovery of service.recoveries) await recovery.verify?.()
  }
  const results: ServicePreflight[] = []
  const records: RecoveryRecord[] = []
  for (const service of services) {
    const result = await preflightOne(service, options, records)
    results.push(result)
    if (result.healthy) {
      exportUrl(service, env)
    } else if (service.required) {
      // Later services may depend on this one (the app on the database): stop here.
      return { ok: false, services: results, records }
    } else {
      status.line(
        'warn',
        `${service.name} is not healthy and not required: tests that need it will fail as infra`,
      )
    }
  }
  return { ok: true, services: results, records }
}

async function preflightOne(
  service: Service,
  options: PreflightOptions,
  records: RecoveryRecord[],
): Promise<ServicePreflight> {
  const { status } = options
  const steps: PreflightStep[] = []
  const probe = await service.probe()
  steps.push({ what: 'check', said: describeProbe(probe), durationMs: probe.latencyMs })
  if (probe.state === 'healthy') {
    status.line('ok', `${service.name} healthy (${service.target()}, ${Math.round(probe.latencyMs)} ms)`)
    return { service: service.name, healthy: true, steps }
  }
  if (probe.state === 'starting') {
    // pg 57P03: the server is on its way up (crash recovery can take many seconds): wait, do not restart it.
    status.line(
      'working',
      `${service.name} is starting (${probe.detail}) — waiting up to ${formatSeconds(service.startTimeoutMs)}`,
    )
    const waited = await waitUntilHealthy(service, { timeoutMs: service.startTimeoutMs })
    steps.push({ what: 'wait', said: describeProbe(waited.last), durationMs: waited.elapsedMs })
    if (waited.healthy) {
      status.line('ok', `${service.name} healthy after ${formatSeconds(waited.elapsedMs)}`)
      return { service: service.name, healthy: true, steps }
    }
  }
  if (options.recover === false) return { service: service.name, healthy: false, steps }
  if (service.recoveries.length === 0) {
    steps.push({
      what: 'recover',
      said: 'no recovery configured (add `recover: [...]` or `start`)',
      durationMs: 0,
    })
    status.line('error', `${service.name} down (${probe.detail}) and nothing can recover it`)
    return { service: service.name, healthy: false, steps }
  }
  const outcome = await recoverService(service, {
    trigger: 'preflight',
    log: (line: string) => status.line('working', line),
  })
  for (const record of outcome.records) {
    records.push(record)
    const recovery = service.recoveries.find((r) => r.strategy === record.strategy)
    steps.push({
      what: `recover ${record.strategy}${recovery ? ` (${recovery.description})` : ''}`,
      said: record.ok ? 'ok' : `failed: ${record.error ?? 'unknown error'}`,
      durationMs: record.durationMs,
    })
  }
  steps.push({ what: 'verify', said: describeProbe(outcome.last), durationMs: outcome.last.latencyMs })
  if (outcome.healthy) {
    const total = outcome.records.reduce((sum, r) => sum + r.durationMs, 0)
    status.line('ok', `${service.name} healthy in ${formatSeconds(total)} (${service.target()})`)
  } else {
    status.line('error', `${service.name} could not be made healthy: ${outcome.last.detail}`)
  }
  return { service: service.name, healthy: outcome.healthy, steps }
}

/** Where the Selenium fixture looks for the WebDriver endpoint (src/selenium/browser-pool.ts). */
const WEBDRIVER_URL_ENV = 'VITEST_HEAL_WEBDRIVER_URL'

function exportUrl(service: Service, env: NodeJS.ProcessEnv): void {
  const url = service.url()
  if (url === undefined) return
  if (service.env !== undefined) env[service.env] = url
  // The first webdriver service is the fixture's browser, unless the user pointed it elsewhere.
  if (service.kind === 'webdriver' && env[WEBDRIVER_URL_ENV] === undefined) env[WEBDRIVER_URL_ENV] = url
}

function describeProbe(probe: HealthProbe): string {
  return `${probe.state}: ${probe.detail}`
}

/** The one clear message a failed pre-flight stops the run with. */
export function preflightError(result: PreflightResult, services: readonly Service[]): HealError {
  const failed = result.services.find((s) => !s.healthy)
  const service = services.find((s) => s.name === failed?.service)
  const lines = [
    `vitest-heal: pre-flight failed: service "${failed?.service}"` +
      (service ? ` (${service.kind}, ${service.target()})` : '') +
      ' could not be made healthy. No test was run.',
  ]
  for (const s of result.services) {
    lines.push(`  ${s.service}: ${s.healthy ? 'healthy' : 'NOT HEALTHY'}`)
    for (const step of s.steps) {
      lines.push(`    ${step.what.padEnd(34)} ${step.said}  (${formatSeconds(step.durationMs)})`)
    }
  }
  const error = new HealError('E_SERVICE_UNHEALTHY', lines.join('\n'))
  // Vitest prints the stack of a globalSetup error: make it the message, the frames say nothing useful here.
  error.stack = error.message
  return error
}
