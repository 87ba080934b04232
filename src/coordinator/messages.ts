/**
 * The control channel's messages: plain data, checked field by field on arrival because a worker's
 * line is input like any other (nothing in it is ever run or passed to a shell).
 */
import type { HealthEvent, TryRecovery } from '../core/report.js'

/** A worker saw an infra failure and asks for the blamed service to be healed. */
export interface HealRequest {
  type: 'heal'
  service: string
  /** Epoch ms when the failure happened: a failure older than the last recovery reuses it. */
  failedAt: number
  /** `file > suite > test`, for the requests count and the status line. */
  test?: string
  /** The matched error text, redacted by the sender. */
  evidence?: string
}

export interface HealReply {
  ok: boolean
  healthy: boolean
  error?: string
  code?: string
  recoveryId?: number
  /**
   * For a heal of `*` (infra with nobody blamed): the service that was found down, so the failure
   * can be blamed on it after all.
   */
  service?: string
  /**
   * The service was found down and is healthy again (by this run, another process, or itself):
   * the evidence a try needs for its test to be `healed` (report.json `tries[].recovery`).
   */
  recovery?: TryRecovery
}

/** Hold a test or file until the services it needs are healthy (or broken), at most `timeoutMs`. */
export interface WaitHealthyRequest {
  type: 'wait-healthy'
  services: string[]
  timeoutMs: number
}

export interface WaitHealthyReply {
  ok: boolean
  unhealthy: string[]
}

export interface StatusRequest {
  type: 'status'
}

export interface ServiceStatus {
  service: string
  state: HealthEvent['state'] | 'unknown'
  broken: boolean
  /** Why the breaker opened, when it did. */
  reason?: string
}

export interface StatusReply {
  ok: true
  services: ServiceStatus[]
}

/**
 * Chaos runs only (`test:` and `during:` triggers): a worker is about to run a test whose full name
 * matches one of the run's chaos patterns; the main process applies (or arms) the faults due and
 * replies once they are in place, so the test meets them.
 */
export interface ChaosPointRequest {
  type: 'chaos-point'
  /** The test's full name, `outer > inner`, as the reports write it. */
  test: string
  /** Its module, relative to the project root. */
  file: string
}

export interface ChaosPointReply {
  ok: boolean
  /** Ids of the faults applied (`test:`) or armed (`during:`) for this test. */
  faults: string[]
}

export type ChannelRequest = HealRequest | WaitHealthyRequest | StatusRequest | ChaosPointRequest

export type ReplyTo<R extends ChannelRequest> = R extends HealRequest
  ? HealReply
  : R extends WaitHealthyRequest
    ? WaitHealthyReply
    : StatusReply

/** What the main process does with each request. */
export interface ChannelHandler {
  heal(request: HealRequest): Promise<HealReply>
  waitHealthy(request: WaitHealthyRequest): Promise<WaitHealthyReply>
  status(request: StatusRequest): Promise<StatusReply>
  /** Absent outside chaos runs: the point is answered with no fault. */
  chaosPoint?(request: ChaosPointRequest): Promise<ChaosPointReply>
}

/** Bounds that keep one bad line from costing much. */
const MAX_TEXT = 4_000
const MAX_SERVICES = 100
/** A wait longer than an hour is a bug in the sender, not a plan. */
const MAX_WAIT_MS = 3_600_000

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 200
}

function isOptionalText(value: unknown): boolean {
  return value === undefined || (typeof value === 'string' && value.length <= MAX_TEXT)
}

function isTime(value: unknown, max = Number.MAX_SAFE_INTEGER): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= max
}

/** The request, or why it is not one. */
export function parseRequest(value: unknown): ChannelRequest | { invalid: string } {
  if (typeof value !== 'object' || value === null) return { invalid: 'a message must be an object' }
  const m = value as Record<string, unknown>
  switch (m.type) {
    case 'heal':
      if (!isName(m.service)) return { invalid: 'heal.service must be a service name' }
      if (!isTime(m.failedAt)) return { invalid: 'heal.failedAt must be epoch milliseconds' }
      if (!isOptionalText(m.test) || !isOptionalText(m.evidence))
        return { invalid: 'heal.test/evidence must be short strings' }
      return {
        type: 'heal',
        service: m.service,
        failedAt: m.failedAt,
        ...(m.test === undefined ? {} : { test: m.test as string }),
        ...(m.evidence === undefined ? {} : { evidence: m.evidence as string }),
      }
    case 'wait-healthy':
      if (!Array.isArray(m.services) || m.services.length > MAX_SERVICES || !m.services.every(isName)) {
        return { invalid: 'wait-healthy.services must be a list of service names' }
      }
      if (!isTime(m.timeoutMs, MAX_WAIT_MS))
        return { invalid: `wait-healthy.timeoutMs must be 0..${MAX_WAIT_MS}` }
      return { type: 'wait-healthy', services: m.services as string[], timeoutMs: m.timeoutMs }
    case 'status':
      return { type: 'status' }
    case 'chaos-point':
      if (typeof m.test !== 'string' || m.test.length > MAX_TEXT)
        return { invalid: 'chaos-point.test must be a short string' }
      if (typeof m.file !== 'string' || m.file.length > MAX_TEXT)
        return { invalid: 'chaos-point.file must be a short string' }
      return { type: 'chaos-point', test: m.test, file: m.file }
    default:
      return { invalid: 'unknown message type' }
  }
}
