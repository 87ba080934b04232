/**
 * Pre-flight: before the first test file runs, check every service in declaration order, start or
 * recover what is down, and export each healthy service's URL through its `env` variable (so a
 * later owned service, e.g. the app, starts with the database URL it needs).
 *
 * Starting an owned service that is not running yet (a local PostgreSQL, an app with `start`) is
 * not a recovery: nothing broke, it was simply not started. It says `starting`, goes to the timeline
 * as a start, and never to `recoveries`. A service really found down here and brought back is a
 * recovery (trigger `preflight`).
 */
import { performance } from 'node:perf_hooks'
import { redactSecrets } from '../core/redact.js'
import { HealError } from '../errors.js'
import type { HealthEvent } from '../core/report.js'
import type { HealthProbe, RecoveryRecord, RecoveryTrigger } from '../core/types.js'
import { RESTART_TIMEOUT_MS } from '../recoveries/restart.js'
import type { OwnedLifecycle, Service } from '../services/types.js'
import { recoverService, type RecoverServiceOptions } from '../services/recover-service.js'
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
  /** Recoveries of services found down: the first start of an owned service is not one. */
  records: RecoveryRecord[]
  /** Starts, outages found and health regained during the pre-flight, for the run's timeline. */
  events: HealthEvent[]
}

export interface PreflightOptions {
  status: StatusSink
  /** Where service URLs are exported; the main process's env is what workers inherit. */
  env?: NodeJS.ProcessEnv
  /** doctor without --fix: look, do not touch. */
  recover?: boolean
  /** The order a service's recoveries are tried in (the session's learned one); default as configured. */
  order?: (service: Service, trigger: RecoveryTrigger) => RecoverServiceOptions['order']
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
  const events: HealthEvent[] = []
  for (const service of services) {
    const result = await preflightOne(service, options, records, events)
    results.push(result)
    if (result.healthy) {
      exportUrl(service, env)
    } else if (service.required) {
      // Later services may depend on this one (the app on the database): stop here.
      return { ok: false, services: results, records, events }
    } else {
      status.line(
        'warn',
        `${service.name} is not healthy and not required: tests that need it will fail as infra`,
      )
    }
  }
  return { ok: true, services: results, records, events }
}

async function preflightOne(
  service: Service,
  options: PreflightOptions,
  records: RecoveryRecord[],
  events: HealthEvent[],
): Promise<ServicePreflight> {
  const { status } = options
  const steps: PreflightStep[] = []
  const event = (state: HealthEvent['state'], detail: string): void => {
    events.push({ service: service.name, at: new Date().toISOString(), state, detail })
  }
  const probe = await service.probe()
  steps.push({ what: 'check', said: describeProbe(probe), durationMs: probe.latencyMs })
  if (probe.state === 'healthy') {
    // Every service gets a lane in the timeline from the pre-flight on, also one that never broke.
    event('healthy', probe.detail)
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
      event('healthy', `${waited.last.detail} (was starting up)`)
      status.line('ok', `${service.name} healthy after ${formatSeconds(waited.elapsedMs)}`)
      return { service: service.name, healthy: true, steps }
    }
  }
  if (options.recover === false) return { service: service.name, healthy: false, steps }
  if (service.owned !== undefined && !service.owned.isRunning()) {
    const started = await firstStart(service, service.owned, options, steps, event)
    if (started) return { service: service.name, healthy: true, steps }
    // A start that failed is an outage like any other: the recoveries get their turn below.
  } else {
    event('down', probe.detail)
  }
  if (service.recoveries.length === 0) {
    steps.push({
      what: 'recover',
      said: 'no recovery configured (add `recover: [...]` or `start`)',
      durationMs: 0,
    })
    status.line('error', `${service.name} down (${probe.detail}) and nothing can recover it`)
    return { service: service.name, healthy: false, steps }
  }
  const order = options.order?.(service, 'preflight')
  const outcome = await recoverService(service, {
    trigger: 'preflight',
    log: (line: string) => status.line('working', line),
    ...(order === undefined ? {} : { order }),
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
    event('healthy', outcome.last.detail)
    status.line('ok', `${service.name} healthy in ${formatSeconds(total)} (${service.target()})`)
  } else {
    status.line('error', `${service.name} could not be made healthy: ${outcome.last.detail}`)
  }
  return { service: service.name, healthy: outcome.healthy, steps }
}

/**
 * The first start of an owned service that is not running: spawn it (bounded like its `restart`
 * recovery), then wait for health up to startTimeout, giving up as soon as its process exits.
 */
async function firstStart(
  service: Service,
  owned: OwnedLifecycle,
  options: PreflightOptions,
  steps: PreflightStep[],
  event: (state: HealthEvent['state'], detail: string) => void,
): Promise<boolean> {
  const { status } = options
  const t0 = performance.now()
  const took = (): number => Math.round(performance.now() - t0)
  status.line('working', `${service.name} starting — not running yet, vitest-heal starts it …`)
  event('starting', 'not running yet: started by vitest-heal (pre-flight)')
  const failure = await startWithin(owned, RESTART_TIMEOUT_MS)
  steps.push({
    what: 'start (not running yet)',
    said: failure ? `failed: ${failure}` : 'ok',
    durationMs: took(),
  })
  if (failure === undefined) {
    const waited = await waitUntilHealthy(service, {
      timeoutMs: service.startTimeoutMs,
      giveUp: () => (owned.isRunning() ? undefined : 'its process exited'),
    })
    steps.push({ what: 'wait', said: describeProbe(waited.last), durationMs: waited.elapsedMs })
    if (waited.healthy) {
      event('healthy', `${waited.last.detail} (started in ${formatSeconds(took())})`)
      status.line('ok', `${service.name} started, healthy in ${formatSeconds(took())} (${service.target()})`)
      return true
    }
    event('down', `did not become healthy after its start: ${waited.stoppedBecause ?? waited.last.detail}`)
  } else {
    event('down', `could not be started: ${failure}`)
  }
  status.line(
    'warn',
    `${service.name} did not start (${failure ?? 'not healthy in time'}) — trying its recoveries`,
  )
  return false
}

/** Why the start failed, or undefined once it spawned; a start that hangs is left behind at the limit. */
async function startWithin(owned: OwnedLifecycle, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`timed out after ${formatSeconds(timeoutMs)}`), timeoutMs)
  })
  try {
    return await Promise.race([
      owned.start().then(
        () => undefined,
        (error: unknown) => redactSecrets(error instanceof Error ? error.message : String(error)),
      ),
      limit,
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** Where the Selenium fixture looks for the WebDriver endpoint (src/selenium/browser-pool.ts). */
const WEBDRIVER_URL_ENV = 'VITEST_HEAL_WEBDRIVER_URL'

/** Also used without a pre-flight (`preflight: false`): a URL known without starting anything is still exported. */
export function exportUrl(service: Service, env: NodeJS.ProcessEnv): void {
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
