/**
 * The sampler of one healing session: every service and the host, at the configured interval, from
 * the end of the pre-flight to the teardown, with its outages handed to the coordinator.
 */
import { resolve } from 'node:path'
import type { ResolvedOptions } from '../config.js'
import { hostSource } from './metrics-host.js'
import { serviceSource } from './metrics-service.js'
import { createSampler, type Sampler } from './sampler.js'
import { watchOutages } from './sampler-outage.js'

/** The host's reads are local and quick: this only bounds a stuck file system. */
const HOST_TIMEOUT_MS = 2_000

export interface RunSamplerHost {
  options: Pick<ResolvedOptions, 'services' | 'predict' | 'reportDir'>
  /** The project root: reportDir is relative to it. */
  root: string
  busy(service: string): boolean
  heal(service: string, evidence: string): Promise<unknown>
}

export interface RunSampler {
  sampler: Sampler
  /** Stops sampling and waits for the recoveries it started (teardown must not race them). */
  stop(): Promise<void>
}

export function startRunSampler(host: RunSamplerHost): RunSampler | undefined {
  const { predict, services, reportDir } = host.options
  if (predict === false) return undefined
  const sampler = createSampler({
    intervalMs: predict.intervalMs,
    sources: [
      ...services.map(serviceSource),
      hostSource({ reportDir: resolve(host.root, reportDir), timeoutMs: HOST_TIMEOUT_MS }),
    ],
  })
  const outages = watchOutages(sampler, {
    services: services.map((s) => s.name),
    busy: (service) => host.busy(service),
    act: (service, evidence) => host.heal(service, evidence),
  })
  sampler.start()
  return {
    sampler,
    async stop() {
      await sampler.stop()
      await outages.stop()
    },
  }
}
