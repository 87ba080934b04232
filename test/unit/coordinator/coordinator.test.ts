import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  coordinatorHandler,
  createCoordinator,
  type CoordinatorOptions,
  type HealableService,
} from '../../../src/coordinator/coordinator.js'
import type { HealthEvent } from '../../../src/core/report.js'
import type { HealthProbe, RecoveryRecord } from '../../../src/core/types.js'

/**
 * A service whose health the test controls, with real async delays: the one place where a fake is
 * right, because the test must decide exactly when the service is down and whether recovery works.
 */
function controllableService(
  opts: { recoverMs?: number; recoverWorks?: () => boolean; lockKey?: string } = {},
) {
  let state: HealthProbe['state'] = 'healthy'
  const calls = { probe: 0, recover: 0 }
  const service: HealableService = {
    async probe() {
      calls.probe++
      await sleep(1)
      const detail = state === 'healthy' ? 'SELECT 1 ok' : 'connect ECONNREFUSED 127.0.0.1:5432'
      return { state, detail, latencyMs: 1 }
    },
    async recover(trigger) {
      calls.recover++
      const startedAt = new Date().toISOString()
      await sleep(opts.recoverMs ?? 20)
      const ok = opts.recoverWorks?.() ?? true
      if (ok) state = 'healthy'
      const record: RecoveryRecord = {
        service: 'db',
        strategy: 'restart',
        ok,
        trigger,
        startedAt,
        durationMs: opts.recoverMs ?? 20,
        requests: 1,
        ...(ok ? {} : { error: 'pg_ctl: could not start server (password=hunter2)' }),
      }
      return { healthy: ok, records: [record] }
    },
    logTail: () =>
      'LOG:  database system is ready to accept connections\nLOG:  server process was terminated by signal 9',
    ...(opts.lockKey ? { lockKey: opts.lockKey } : {}),
  }
  return {
    service,
    calls,
    set(next: HealthProbe['state']) {
      state = next
    },
  }
}

function coordinatorFor(service: HealableService, extra: Partial<CoordinatorOptions> = {}) {
  const events: HealthEvent[] = []
  const coordinator = createCoordinator({
    services: new Map([['db', service]]),
    hostLock: false,
    onEvent: (e) => events.push(e),
    ...extra,
  })
  return { coordinator, events }
}

describe('coordinator.heal', () => {
  it('recovers one outage once for 200 concurrent requests; every requester learns the result', async () => {
    const db = controllableService({ recoverMs: 40 })
    const { coordinator, events } = coordinatorFor(db.service)
    db.set('down')
    const failedAt = Date.now()
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        await sleep(i % 25)
        return coordinator.heal('db', { failedAt, trigger: 'inline' })
      }),
    )
    expect(db.calls.recover).toBe(1)
    expect(results.every((r) => r.healthy && r.recovered && r.outage && r.code === undefined)).toBe(true)
    expect(new Set(results.map((r) => r.recoveryId)).size).toBe(1)
    expect(coordinator.records()).toHaveLength(1)
    expect(coordinator.records()[0]).toMatchObject({
      service: 'db',
      ok: true,
      trigger: 'inline',
      requests: 200,
    })
    expect(events.map((e) => e.state)).toEqual(['down', 'recovering', 'healthy'])
    expect(coordinator.timeline()).toEqual(events)
    // The evidence a healed test carries: who recovered it, how, and when it was down.
    expect(results[0]?.recovery).toEqual({
      service: 'db',
      by: 'this run',
      strategy: 'restart',
      durationMs: 40,
      downAt: events[0]!.at,
      healthyAt: events[2]!.at,
    })
  })

  it('does not recover a service that is healthy when probed: the failure was no outage', async () => {
    const db = controllableService()
    const { coordinator, events } = coordinatorFor(db.service)
    const result = await coordinator.heal('db', { failedAt: Date.now(), trigger: 'inline' })
    expect(result).toMatchObject({ healthy: true, recovered: false, outage: false })
    expect(result.recovery).toBeUndefined()
    expect(db.calls.recover).toBe(0)
    expect(events).toEqual([])
  })

  it('does not reuse a look that found the service healthy for a failure seen while it ran', async () => {
    const db = controllableService()
    const { coordinator } = coordinatorFor(db.service)
    const failedAt = Date.now()
    expect(await coordinator.heal('db', { failedAt, trigger: 'inline' })).toMatchObject({ outage: false })
    // The db dies; a worker reports a failure from before that look finished.
    db.set('down')
    const late = await coordinator.heal('db', { failedAt, trigger: 'inline' })
    expect(late).toMatchObject({ healthy: true, recovered: true, outage: true })
    expect(late.recovery).toMatchObject({ service: 'db', by: 'this run' })
    expect(db.calls.recover).toBe(1)
  })

  it('waits out a service that is starting instead of recovering it', async () => {
    const db = controllableService()
    const { coordinator, events } = coordinatorFor(db.service)
    db.set('starting')
    setTimeout(() => db.set('healthy'), 60)
    const result = await coordinator.heal('db', { failedAt: Date.now(), trigger: 'inline' })
    expect(result).toMatchObject({ healthy: true, recovered: false, outage: true })
    expect(result.recovery).toMatchObject({ service: 'db', by: 'itself', downAt: events[0]!.at })
    expect(db.calls.recover).toBe(0)
    expect(events.map((e) => e.state)).toEqual(['starting', 'healthy'])
  })

  it('lets a late reporter of the same outage reuse the recovery, and recovers a new outage again', async () => {
    const db = controllableService()
    const { coordinator } = coordinatorFor(db.service)
    const failedAt = Date.now()
    db.set('down')
    const first = await coordinator.heal('db', { failedAt, trigger: 'inline' })
    // The db died again, but this worker reports a failure it saw during the first outage.
    db.set('down')
    const late = await coordinator.heal('db', { failedAt, trigger: 'inline' })
    expect(late).toEqual(first)
    expect(db.calls.recover).toBe(1)
    expect(coordinator.records()[0]?.requests).toBe(2)

    await sleep(5)
    const second = await coordinator.heal('db', { failedAt: Date.now(), trigger: 'second-pass' })
    expect(second.recoveryId).not.toBe(first.recoveryId)
    expect(db.calls.recover).toBe(2)
    expect(coordinator.records().map((r) => r.trigger)).toEqual(['inline', 'second-pass'])
  })

  it('opens the breaker in a crash loop: the 4th outage within 5 minutes fails fast with E_CIRCUIT_OPEN', async () => {
    let clock = 1_000_000
    const db = controllableService({ recoverMs: 5 })
    const { coordinator, events } = coordinatorFor(db.service, { now: () => clock })
    for (let outage = 1; outage <= 3; outage++) {
      clock += 10_000
      db.set('down')
      const result = await coordinator.heal('db', { failedAt: clock, trigger: 'inline' })
      expect(result).toMatchObject({ healthy: true, recovered: true })
      clock += 1
    }
    clock += 10_000
    db.set('down')
    const started = Date.now()
    const fourth = await coordinator.heal('db', { failedAt: clock, trigger: 'inline' })
    expect(fourth).toMatchObject({ healthy: false, recovered: false, code: 'E_CIRCUIT_OPEN' })
    expect(fourth.error).toContain('after 3 recoveries within 5 min')
    expect(fourth.error).toContain('terminated by signal 9')
    expect(db.calls.recover).toBe(3)
    expect(coordinator.isBroken('db')).toBe(true)
    expect(coordinator.brokenReason('db')).toBe(fourth.error)
    expect(events.at(-1)).toMatchObject({ service: 'db', state: 'broken' })

    // Dependants now fail fast: no probe, no recovery, no wait.
    const probes = db.calls.probe
    const again = await coordinator.heal('db', { failedAt: clock + 5, trigger: 'inline' })
    expect(again.code).toBe('E_CIRCUIT_OPEN')
    expect(db.calls.probe).toBe(probes)
    expect(await coordinator.waitHealthy(['db'], 10_000)).toEqual({ ok: false, unhealthy: ['db'] })
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  it('a service with no recovery configured is broken for that reason, not for "every strategy"', async () => {
    const db = controllableService()
    const nothing: HealableService = { ...db.service, recover: async () => ({ healthy: false, records: [] }) }
    delete nothing.logTail
    const { coordinator } = coordinatorFor(nothing)
    db.set('down')
    const result = await coordinator.heal('db', { failedAt: Date.now(), trigger: 'inline' })
    expect(result).toMatchObject({
      healthy: false,
      recovered: false,
      outage: true,
      code: 'E_RECOVERY_FAILED',
    })
    expect(result.error).toBe(
      'db: down, and no recovery is configured for it; last evidence: connect ECONNREFUSED 127.0.0.1:5432',
    )
    expect(result.error).not.toContain('every strategy')
    expect(coordinator.isBroken('db')).toBe(true)
  })

  it('reports a recovery that failed with every strategy, then keeps the service broken', async () => {
    const db = controllableService({ recoverWorks: () => false })
    const { coordinator } = coordinatorFor(db.service)
    db.set('down')
    const failedAt = Date.now()
    const results = await Promise.all(
      [1, 2, 3].map(() => coordinator.heal('db', { failedAt, trigger: 'inline' })),
    )
    for (const r of results) {
      expect(r).toMatchObject({ healthy: false, recovered: true, code: 'E_RECOVERY_FAILED' })
      expect(r.error).toContain('db: recovery failed')
    }
    expect(db.calls.recover).toBe(1)
    expect(coordinator.records()[0]).toMatchObject({ ok: false, requests: 3 })
    const later = await coordinator.heal('db', { failedAt: Date.now() + 10, trigger: 'inline' })
    expect(later.code).toBe('E_CIRCUIT_OPEN')
    expect(db.calls.recover).toBe(1)
  })

  it('treats a recovery that throws as failed, with its message redacted', async () => {
    const db = controllableService()
    const service: HealableService = {
      probe: db.service.probe,
      recover: async () => {
        throw new Error('cannot connect to postgres://app:hunter2@127.0.0.1:5432/db')
      },
    }
    const { coordinator } = coordinatorFor(service)
    db.set('down')
    const result = await coordinator.heal('db', { failedAt: Date.now(), trigger: 'inline' })
    expect(result).toMatchObject({ healthy: false, code: 'E_RECOVERY_FAILED' })
    expect(result.error).toContain('app:***@127.0.0.1')
    expect(result.error).not.toContain('hunter2')
  })

  it('answers an unknown service without recovering anything', async () => {
    const { coordinator } = coordinatorFor(controllableService().service)
    expect(await coordinator.heal('cache', { failedAt: 1, trigger: 'inline' })).toMatchObject({
      healthy: false,
      recovered: false,
      error: expect.stringContaining('"cache"'),
    })
  })

  it('keeps healing when an event listener throws', async () => {
    const db = controllableService()
    const { coordinator } = coordinatorFor(db.service, {
      onEvent: () => {
        throw new Error('terminal gone')
      },
    })
    db.set('down')
    expect(await coordinator.heal('db', { failedAt: Date.now(), trigger: 'inline' })).toMatchObject({
      healthy: true,
    })
  })
})

describe('coordinator.waitHealthy', () => {
  it('returns at once when no outage is known', async () => {
    const db = controllableService()
    const { coordinator } = coordinatorFor(db.service)
    const started = Date.now()
    expect(await coordinator.waitHealthy(['db'], 5_000)).toEqual({ ok: true, unhealthy: [] })
    expect(Date.now() - started).toBeLessThan(100)
    expect(db.calls.probe).toBe(0)
  })

  it('holds until the recovery in flight has made the service healthy', async () => {
    const db = controllableService({ recoverMs: 150 })
    const { coordinator } = coordinatorFor(db.service)
    db.set('down')
    const healing = coordinator.heal('db', { failedAt: Date.now(), trigger: 'inline' })
    await sleep(10)
    const started = Date.now()
    expect(await coordinator.waitHealthy(['db'], 5_000)).toEqual({ ok: true, unhealthy: [] })
    expect(Date.now() - started).toBeGreaterThanOrEqual(100)
    await healing
  })

  it('gives up after its timeout while the recovery is still running', async () => {
    const db = controllableService({ recoverMs: 400 })
    const { coordinator } = coordinatorFor(db.service)
    db.set('down')
    const healing = coordinator.heal('db', { failedAt: Date.now(), trigger: 'inline' })
    await sleep(10)
    const started = Date.now()
    expect(await coordinator.waitHealthy(['db'], 50)).toEqual({ ok: false, unhealthy: ['db'] })
    expect(Date.now() - started).toBeLessThan(300)
    await healing
  })
})

describe('coordinator across processes (host lock)', () => {
  let lockDir: string
  beforeAll(async () => {
    lockDir = await mkdtemp(join(tmpdir(), 'heal-coord-lock-'))
  })
  afterAll(async () => {
    await rm(lockDir, { recursive: true, force: true })
  })

  it('two coordinators sharing one service recover it once; the second reuses the first’s recovery', async () => {
    // Both coordinators see the same service (same health, same lock key), as two vitest runs would.
    const db = controllableService({ recoverMs: 100, lockKey: '127.0.0.1:5432' })
    const hostLock = { dir: lockDir, timeoutMs: 5_000, pollMs: 10 }
    const a = coordinatorFor(db.service, { hostLock }).coordinator
    const b = coordinatorFor(db.service, { hostLock }).coordinator
    db.set('down')
    const failedAt = Date.now()
    const [ra, rb] = await Promise.all([
      a.heal('db', { failedAt, trigger: 'inline' }),
      b.heal('db', { failedAt, trigger: 'inline' }),
    ])
    expect(db.calls.recover).toBe(1)
    expect([ra.healthy, rb.healthy]).toEqual([true, true])
    expect([ra.recovered, rb.recovered]).toEqual([true, true])
    expect(a.records().length + b.records().length).toBe(1)
    const waiter = a.records().length === 0 ? a : b
    expect(waiter.timeline().at(-1)?.detail).toBe('recovered by another vitest process')
    // The report names who did it: the waiter's tests are healed by another process.
    const waited = waiter === a ? ra : rb
    expect(waited.recovery).toMatchObject({ service: 'db', by: 'another process' })
    expect(waited.recovery?.strategy).toBeUndefined()
  })
})

describe('coordinatorHandler', () => {
  it('maps channel requests onto the coordinator', async () => {
    const db = controllableService()
    const { coordinator } = coordinatorFor(db.service)
    const handler = coordinatorHandler(coordinator)
    db.set('down')
    expect(await handler.heal({ type: 'heal', service: 'db', failedAt: Date.now() })).toMatchObject({
      ok: true,
      healthy: true,
      recovered: true,
    })
    expect(coordinator.records()[0]?.trigger).toBe('inline')
    expect(await handler.waitHealthy({ type: 'wait-healthy', services: ['db'], timeoutMs: 100 })).toEqual({
      ok: true,
      unhealthy: [],
    })
    expect(await handler.status({ type: 'status' })).toEqual({
      ok: true,
      services: [{ service: 'db', state: 'healthy', broken: false }],
    })
  })
})
