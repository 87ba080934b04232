/**
 * The sampler against a real PostgreSQL that vitest-heal owns (a local one): what it measures, and
 * an outage it sees while nobody else asks (every test stuck on a dead connection) recovered at once,
 * by a recovery whose trigger says `sampler`.
 */
import pg from 'pg'
import { afterAll, describe, expect, test } from 'vitest'
import { resolveOptions } from '../../../src/config.js'
import type { Sample } from '../../../src/core/prediction.js'
import { postgres } from '../../../src/services/index.js'
import { descendantsOf } from '../../../src/services/proc.js'
import { HealSession } from '../../../src/session/session.js'

const INTERVAL = 200
const session = new HealSession(
  resolveOptions({
    status: false,
    hostLock: false,
    history: false,
    predict: { interval: INTERVAL },
    services: { db: postgres({ local: true, env: 'SAMPLER_TEST_PG_URL' }) },
  }),
)
const clients: pg.Client[] = []

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)))
  await session.teardown()
})

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: session.options.services[0]!.url() })
  c.on('error', () => undefined)
  await c.connect()
  clients.push(c)
  return c
}

/** The next sample of `source` that satisfies `accept`, within `ms`. */
function nextSample(source: string, accept: (s: Sample) => boolean, ms = 5_000): Promise<Sample> {
  const sampler = session.sampler!
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(
        new Error(
          `no such ${source} sample in ${ms} ms: last ${JSON.stringify(sampler.recent(source).at(-1))}`,
        ),
      )
    }, ms)
    const off = sampler.onSample((s) => {
      if (s.source !== source || !accept(s)) return
      clearTimeout(timer)
      off()
      resolve(s)
    })
  })
}

describe('the sampler on a real local PostgreSQL', () => {
  test('starts after the pre-flight and measures the server, its disk and memory, and the host', async () => {
    expect(session.sampler).toBeUndefined()
    await session.preflight()
    expect(session.sampler?.intervalMs).toBe(INTERVAL)
    const idle = await client()
    await idle.query('BEGIN')
    const busy = await client()
    const sleeping = busy.query('SELECT pg_sleep(1)').catch(() => undefined)
    const db = await nextSample(
      'db',
      (s) => (s.metrics['pg.longestQueryMs'] ?? 0) >= 300 && s.metrics['pg.idleInTransaction'] === 1,
    )
    expect(db.metrics).toMatchObject({
      'probe.down': 0,
      'probe.starting': 0,
      'pg.maxConnections': 100,
      'pg.inRecovery': 0,
    })
    // Ours, the two clients, and maybe a probe's: at least three client backends.
    expect(db.metrics['pg.connections']).toBeGreaterThanOrEqual(3)
    expect(db.metrics['pg.longestIdleInTransactionMs']).toBeGreaterThan(0)
    expect(db.metrics['pg.dbBytes']).toBeGreaterThan(1_000_000)
    expect(db.metrics['disk.freeBytes']).toBeGreaterThan(0)
    expect(db.metrics['disk.totalBytes']).toBeGreaterThanOrEqual(db.metrics['disk.freeBytes']!)
    // The postmaster and its backends: tens of MB.
    expect(db.metrics['proc.rssBytes']).toBeGreaterThan(5_000_000)
    expect(db.metrics['pg.queryMs']).toBeGreaterThanOrEqual(0)
    // The full probe (a fresh connection) runs every FULL_PROBE_EVERY ticks while ours answers.
    const probed = session.sampler!.recent('db').filter((s) => s.metrics['probe.latencyMs'] !== undefined)
    expect(probed.length).toBeGreaterThan(0)
    expect(probed.length).toBeLessThan(session.sampler!.recent('db').length)
    await sleeping
    await idle.query('ROLLBACK')

    const host = session.sampler!.recent('host').at(-1)!
    expect(host.metrics['host.cores']).toBeGreaterThanOrEqual(1)
    for (const name of [
      'host.load1',
      'host.freeMemBytes',
      'host.totalMemBytes',
      'host.rssBytes',
      'host.eventLoopDelayMs',
      'tmp.freeBytes',
      'reportDir.freeBytes',
    ])
      expect(host.metrics[name], name).toBeGreaterThanOrEqual(0)
    // Ten minutes at most per source, however long the run.
    expect(session.sampler!.recent('db').length).toBeLessThanOrEqual((10 * 60_000) / INTERVAL)
  })

  test('a SIGKILLed server that nobody asks about is recovered within about one interval (trigger sampler)', async () => {
    const pid = session.options.services[0]!.owned!.pid!()!
    const killedAt = Date.now()
    for (const member of [pid, ...descendantsOf(pid)]) process.kill(member, 'SIGKILL')
    const down = await nextSample('db', (s) => s.metrics['probe.down'] === 1)
    expect(down.detail).toMatch(/ECONN|terminat|starting|shut/i)
    await nextSample(
      'db',
      (s) => s.metrics['probe.down'] === 0 && s.metrics['pg.connections'] !== undefined,
      10_000,
    )
    const recovered = session.allRecords().filter((r) => r.trigger === 'sampler')
    expect(recovered).toMatchObject([{ service: 'db', ok: true, strategy: 'restart', requests: 1 }])
    // Two probes an interval apart confirm it, then a restart (~0.2 s, more on a loaded machine).
    const back = Date.parse(recovered[0]!.startedAt) + recovered[0]!.durationMs
    expect(back - killedAt).toBeLessThan(2 * INTERVAL + 5_000)
    const downEvent = session.timeline().find((e) => e.service === 'db' && e.state === 'down')
    expect(downEvent?.detail).toMatch(/^the sampler's probe found it down twice/)
  })

  test('teardown stops the sampler before the services: stopping them is no outage', async () => {
    const before = session.allRecords().length
    await session.teardown()
    const samples = session.sampler === undefined
    expect(samples).toBe(true)
    await new Promise((r) => setTimeout(r, 3 * INTERVAL))
    expect(session.allRecords().length).toBe(before)
    expect(session.options.services[0]!.owned!.isRunning()).toBe(false)
  })
})
