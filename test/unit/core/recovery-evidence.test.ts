import { describe, expect, it } from 'vitest'
import { recoveryInRun } from '../../../src/core/recovery-evidence.js'
import type { HealthEvent } from '../../../src/core/report.js'
import type { RecoveryRecord } from '../../../src/core/types.js'

const record = (over: Partial<RecoveryRecord> = {}): RecoveryRecord => ({
  service: 'db',
  strategy: 'pg_ctl start',
  ok: true,
  trigger: 'second-pass',
  startedAt: '2026-01-01T00:00:10.000Z',
  durationMs: 500,
  requests: 1,
  ...over,
})
const event = (at: number, state: HealthEvent['state'], detail?: string, service = 'db'): HealthEvent => ({
  service,
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, at)).toISOString(),
  state,
  ...(detail ? { detail } : {}),
})

describe('recoveryInRun', () => {
  it('a recovery this run made names its strategy and the outage window', () => {
    expect(
      recoveryInRun(
        'db',
        [record()],
        [event(9, 'down'), event(10, 'recovering'), event(11, 'healthy', 'recovered')],
      ),
    ).toEqual({
      service: 'db',
      by: 'this run',
      strategy: 'pg_ctl start',
      durationMs: 500,
      downAt: event(10, 'recovering').at,
      healthyAt: '2026-01-01T00:00:10.500Z',
    })
  })

  it('a pre-flight start is no outage, nor a failed recovery, nor another service’s', () => {
    expect(recoveryInRun('db', [record({ trigger: 'preflight' }), record({ ok: false })], [])).toBeUndefined()
    expect(recoveryInRun('db', [record({ service: 'app' })], [])).toBeUndefined()
  })

  it('nobody blamed: any service recovered in the run takes the blame', () => {
    expect(recoveryInRun(undefined, [record({ service: 'app' })], [])).toMatchObject({ service: 'app' })
  })

  it('another process or the service itself, from the timeline', () => {
    expect(
      recoveryInRun(
        'db',
        [],
        [
          event(1, 'down'),
          event(2, 'recovering'),
          event(3, 'healthy', 'recovered by another vitest process'),
        ],
      ),
    ).toEqual({
      service: 'db',
      by: 'another process',
      downAt: event(2, 'recovering').at,
      healthyAt: event(3, 'healthy').at,
    })
    expect(
      recoveryInRun('db', [], [event(1, 'starting'), event(2, 'healthy', 'came back without a recovery')]),
    ).toMatchObject({
      by: 'itself',
    })
  })

  it('a service that was only ever healthy had no outage', () => {
    expect(recoveryInRun('db', [], [event(1, 'healthy')])).toBeUndefined()
  })
})
