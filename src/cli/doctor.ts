/**
 * `vitest-heal doctor`: the pre-flight's checks without the tests. Prints one row per service and
 * exits 0 only when every service is healthy (or owned and startable). `--fix` runs the recoveries.
 */
import { redactSecrets } from '../core/redact.js'
import type { Service } from '../services/types.js'
import { runPreflight } from '../session/preflight.js'
import { createStatusSink } from '../session/status.js'
import { loadHealConfig } from './load-config.js'
import { renderTable } from './table.js'

export interface DoctorOptions {
  root?: string
  config?: string
  fix: boolean
  out: NodeJS.WritableStream
}

interface Row {
  service: string
  kind: string
  target: string
  healthy: string
  latency: string
  recovery: string
  /** `startable`: an owned service that is not running now and that the run itself will start. */
  state: 'healthy' | 'startable' | 'unhealthy'
}

export async function doctor(options: DoctorOptions): Promise<number> {
  const { vitest, projects } = await loadHealConfig(options)
  try {
    if (projects.length === 0) {
      options.out.write('vitest-heal doctor: no project in this config uses the heal() plugin.\n')
      return 1
    }
    const rows: Row[] = []
    for (const { project, session } of projects) {
      const services = session.options.services
      const prefix = projects.length > 1 ? `${project.name || 'root'}/` : ''
      if (options.fix) {
        const result = await runPreflight(services, { status: createStatusSink({ enabled: true }) }).catch(
          (error: Error) => ({ ok: false, services: [], records: [], error }),
        )
        if ('error' in result) options.out.write(`${redactSecrets(result.error.message)}\n`)
      }
      for (const service of services)
        rows.push({ ...(await diagnose(service)), service: prefix + service.name })
      // doctor never leaves a service it started behind.
      await session.teardown()
    }
    options.out.write(
      renderTable(
        ['service', 'kind', 'target', 'healthy', 'latency', 'recovers with'],
        rows.map((r) => [r.service, r.kind, r.target, r.healthy, r.latency, r.recovery]),
      ),
    )
    options.out.write(`\n${verdictLine(rows, options.fix)}\n`)
    return rows.every((r) => r.state !== 'unhealthy') ? 0 : 1
  } finally {
    await vitest.close()
  }
}

/** Says only what the table says: a service that is not running is not called healthy. */
function verdictLine(rows: readonly Row[], fix: boolean): string {
  const bad = rows.filter((r) => r.state === 'unhealthy').length
  if (bad > 0) return `${bad} service(s) not healthy.${fix ? '' : ' Try --fix.'}`
  const startable = rows.filter((r) => r.state === 'startable').map((r) => r.service)
  if (startable.length === 0) return 'All services healthy.'
  const healthy = rows.length - startable.length
  return (
    `No problem found: ${healthy} service(s) healthy, ${startable.length} not running ` +
    `(${startable.join(', ')}: the run starts ${startable.length === 1 ? 'it' : 'them'}).`
  )
}

async function diagnose(service: Service): Promise<Omit<Row, 'service'>> {
  const recovery = service.recoveries.map((r) => r.description).join(' → ') || '(none)'
  const base = { kind: service.kind, target: service.target(), recovery }
  const probe = await service.probe()
  if (probe.state === 'healthy') {
    return { ...base, healthy: 'yes', latency: `${Math.round(probe.latencyMs)} ms`, state: 'healthy' }
  }
  if (service.owned && !service.owned.isRunning()) {
    // An owned service is started by the pre-flight: not running now is expected, if it can be started.
    const verified = await verifyRecoveries(service)
    return {
      ...base,
      healthy: verified === undefined ? 'not running (started by the run)' : `no: ${verified}`,
      latency: '-',
      state: verified === undefined ? 'startable' : 'unhealthy',
    }
  }
  return {
    ...base,
    healthy: `no: ${probe.state}, ${probe.detail}`,
    latency: `${Math.round(probe.latencyMs)} ms`,
    state: 'unhealthy',
  }
}

async function verifyRecoveries(service: Service): Promise<string | undefined> {
  try {
    for (const recovery of service.recoveries) await recovery.verify?.()
    return undefined
  } catch (error) {
    return redactSecrets((error as Error).message)
  }
}
