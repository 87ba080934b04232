/**
 * The worker's end of the control channel, in the words the runner needs: heal this service,
 * wait for these services.
 */
import { connectChannel, type ChannelClient } from '../coordinator/channel.js'
import type { HealReply } from '../coordinator/messages.js'
import type { ProbedHealth } from '../core/confirm.js'

/** Our handler adds what the service's first probe said, so the worker can confirm its hypothesis. */
export type InlineHealReply = HealReply & { probed?: ProbedHealth }

export interface WorkerChannel {
  /** `service` undefined: infra with nobody to blame; the main process checks every service. */
  heal(request: {
    service: string | undefined
    failedAt: number
    test: string
    evidence: string
  }): Promise<InlineHealReply>
  waitHealthy(services: string[], timeoutMs: number): Promise<void>
  /** Chaos runs: a test matching a chaos pattern is about to start; resolves once its faults are in place. */
  chaosPoint(request: { test: string; file: string }): Promise<void>
}

/** A recovery can take as long as a service's start timeout, plus its recoveries: be generous. */
const HEAL_TIMEOUT_MS = 10 * 60_000
/** Applying a fault is a signal or a toxic; a restart fault may take as long as a start. */
const CHAOS_POINT_TIMEOUT_MS = 2 * 60_000

export function connectWorkerChannel(socket: string): WorkerChannel {
  const client: ChannelClient = connectChannel(socket)
  return {
    async heal({ service, failedAt, test, evidence }) {
      try {
        const reply = await client.request(
          { type: 'heal', service: service ?? '*', failedAt, test, evidence: evidence.slice(0, 2000) },
          HEAL_TIMEOUT_MS,
        )
        return reply as InlineHealReply
      } catch (error) {
        // The channel itself failed: the retry still happens, and the report says why healing did not.
        return { ok: false, healthy: false, error: (error as Error).message }
      }
    },
    async waitHealthy(services, timeoutMs) {
      try {
        await client.request({ type: 'wait-healthy', services, timeoutMs }, timeoutMs + 5_000)
      } catch {
        // Waiting is a courtesy: if it fails, the test runs and its failure is classified as usual.
      }
    },
    async chaosPoint({ test, file }) {
      try {
        await client.request({ type: 'chaos-point', test, file }, CHAOS_POINT_TIMEOUT_MS)
      } catch {
        // A fault that could not be placed is the scorecard's business (not-injected), not the test's.
      }
    },
  }
}

const channels = new Map<string, WorkerChannel>()

/**
 * The worker's one connection to a run's control channel, shared by whoever asks in this process:
 * the runner (a failed try, an outage) and the Selenium fixture (a page whose app is down).
 */
export function workerChannel(socket: string): WorkerChannel {
  let channel = channels.get(socket)
  if (!channel) channels.set(socket, (channel = connectWorkerChannel(socket)))
  return channel
}
