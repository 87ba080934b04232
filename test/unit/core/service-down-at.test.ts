import { describe, expect, test } from 'vitest'
import { OUTAGE_LEAD_MS, serviceDownAt } from '../../../src/core/recovery-evidence.js'
import type { HealthEvent } from '../../../src/core/report.js'

const t0 = Date.UTC(2026, 10, 30, 6, 0, 0)
const at = (ms: number) => new Date(t0 + ms).toISOString()
const event = (service: string, ms: number, state: HealthEvent['state']): HealthEvent => ({
  service,
  at: at(ms),
  state,
})

describe('serviceDownAt', () => {
  const timeline = [
    event('db', 0, 'healthy'),
    event('app', 0, 'healthy'),
    event('db', 10_000, 'down'),
    event('db', 10_200, 'recovering'),
    event('db', 10_600, 'healthy'),
    event('db', 30_000, 'down'),
    event('app', 30_500, 'down'),
    event('db', 31_000, 'healthy'),
    event('app', 31_000, 'healthy'),
  ]
  test('within one outage, or just before its first down event, it names that service', () => {
    expect(serviceDownAt(t0 + 10_300, timeline)).toBe('db')
    expect(serviceDownAt(t0 + 10_000 - OUTAGE_LEAD_MS + 1, timeline)).toBe('db')
  })
  test('outside every outage, or while two services were down, it names nobody', () => {
    expect(serviceDownAt(t0 + 5_000, timeline)).toBeUndefined()
    expect(serviceDownAt(t0 + 20_000, timeline)).toBeUndefined()
    expect(serviceDownAt(t0 + 30_700, timeline)).toBeUndefined()
  })
  test('an outage that never ended (the service was declared broken) lasts to the end of the run', () => {
    const broken = [...timeline, event('db', 39_000, 'down'), event('db', 40_000, 'broken')]
    expect(serviceDownAt(t0 + 99_000, broken)).toBe('db')
    expect(serviceDownAt(t0 + 99_000, timeline)).toBeUndefined()
  })
})
