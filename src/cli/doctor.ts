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
  ok: boolean
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
    const bad = rows.filter((r) => !r.ok).length
    options.out.write(
      bad === 0
        ? '\nAll services healthy.\n'
        : `\n${bad} service(s) not healthy.${options.fix ? '' : ' Try --fix.'}\n`,
    )
    return bad === 0 ? 0 : 1
  } finally {
    await vitest.close()
  }
}

async function diagnose(service: Service): Promise<Omit<Row, 'service'>> {
  const recovery = service.recoveries.map((r) => r.description).join(' → ') || '(none)'
  const base = { kind: service.kind, target: service.target(), recovery }
  const probe = await service.probe()
  if (probe.state === 'healthy') {
    return { ...base, healthy: 'yes', latency: `${Math.round(probe.latencyMs)} ms`, ok: true }
  }
  if (service.owned && !service.owned.isRunning()) {
    // An owned service is started by the pre-flight: not running now is expected, if it can be started.
    const verified = await verifyRecoveries(service)
    return {
      ...base,
      healthy: verified === undefined ? 'not running (started by the run)' : `no: ${verified}`,
      latency: '-',
      ok: verified === undefined,
    }
  }
  return {
    ...base,
    healthy: `no: ${probe.state}, ${probe.detail}`,
    latency: `${Math.round(probe.latencyMs)} ms`,
    ok: false,
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
