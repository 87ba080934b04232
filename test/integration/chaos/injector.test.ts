/**
 * The chaos injector against a real HTTP server and real fault proxies: what the workers are handed,
 * when each trigger applies its fault, how a heal ends a network fault, and what it keeps for the
 * scorecard. Process faults go through an applier handed in (they are process-faults.ts's tests).
 */
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { ChaosInjector, type ChaosInjectorOptions } from '../../../src/chaos/injector.js'
import { proxiedUrl } from '../../../src/chaos/injector-url.js'
import { parseFault } from '../../../src/core/chaos-plan.js'
import type { PlannedFault } from '../../../src/core/fault.js'
import type { HealthEvent } from '../../../src/core/report.js'
import { http } from '../../../src/services/http.js'
import type { Service } from '../../../src/services/types.js'

let server: Server
let port: number
let service: Service

beforeAll(async () => {
  server = createServer((_req, res) => res.end('ok'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
  service = http({ url: `http://127.0.0.1:${port}/health`, env: 'APP_URL' }).resolve({
    name: 'app',
    key: 'services.app',
  })
})
afterAll(() => new Promise((resolve) => server.close(resolve)))

const injectors: ChaosInjector[] = []
afterEach(async () => {
  await Promise.all(injectors.splice(0).map((i) => i.stop()))
})

function injector(faults: string[], extra: Partial<ChaosInjectorOptions> = {}) {
  const env: NodeJS.ProcessEnv = { APP_URL: service.url() }
  const events: HealthEvent[] = []
  const processFaults: PlannedFault[] = []
  const made = new ChaosInjector({
    chaos: { faults: faults.map((f) => parseFault(f)), seed: 7, expectHealed: false },
    services: [service],
    env,
    log: () => {},
    onHealthEvent: (event) => events.push(event),
    applyProcessFault: async (_service, fault) => {
      processFaults.push(fault)
      return {}
    },
    ...extra,
  })
  injectors.push(made)
  return { injector: made, env, events, processFaults }
}

/** One GET through `url`: the time it took, or the error code it failed with. */
function get(url: string, timeoutMs = 2_000): Promise<{ ms: number; body?: string; error?: string }> {
  const started = performance.now()
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve({ ms: performance.now() - started, body }))
      res.on('error', (e: NodeJS.ErrnoException) =>
        resolve({ ms: performance.now() - started, error: e.code }),
      )
    })
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })))
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ ms: performance.now() - started, error: e.code }))
    req.end()
  })
}

/** Tells the injector a run of `files` files of `perFile` tests each started and was collected. */
function collect(target: ChaosInjector, files: number, perFile: number): void {
  target.reporter.onTestRunStart(Array.from({ length: files }))
  for (let i = 0; i < files; i++) {
    const tests = Array.from({ length: perFile })
    target.reporter.onTestModuleCollected({ moduleId: `m${i}`, children: { allTests: () => tests } })
  }
}

describe('the chaos injector', () => {
  test('hands the workers the proxy’s URL; the service keeps its real one; stop gives it back', async () => {
    const { injector: chaos, env } = injector(['app:latency=300ms@test:/slow/'])
    await chaos.start()
    expect(env.APP_URL).not.toBe(service.url())
    expect(env.APP_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/health$/)
    expect(service.url()).toBe(`http://127.0.0.1:${port}/health`)
    expect(await get(env.APP_URL!)).toMatchObject({ body: 'ok' })
    // An error naming the proxy's address is blamed on the service too.
    const proxyPort = new URL(env.APP_URL!).port
    expect(chaos.serviceRef(service)).toMatchObject({
      name: 'app',
      port,
      url: `tcp://127.0.0.1:${proxyPort}`,
    })
    expect(chaos.workerPatterns()).toEqual([/slow/])
    await chaos.stop()
    expect(env.APP_URL).toBe(service.url())
  })

  test('a run of process faults at test counts puts no proxy in front: its queries pay no hop', async () => {
    let proxies = 0
    const { injector: chaos, env } = injector(['app:kill@50%', 'app:pause=1s@test:/slow/'], {
      startProxy: async () => {
        proxies++
        throw new Error('no proxy expected')
      },
    })
    await chaos.start()
    expect(proxies).toBe(0)
    expect(env.APP_URL).toBe(service.url())
  })

  test('test: applies the fault before the matching test starts, once; others pass untouched', async () => {
    const { injector: chaos, env } = injector(['app:latency=300ms,duration=2s@test:/slow/'])
    await chaos.start()
    expect(await chaos.chaosPoint({ test: 'fast one', file: 'a.test.ts' })).toEqual({ ok: true, faults: [] })
    expect((await get(env.APP_URL!)).ms).toBeLessThan(250)
    expect(await chaos.chaosPoint({ test: 'a slow one', file: 'a.test.ts' })).toEqual({
      ok: true,
      faults: ['f1'],
    })
    expect((await get(env.APP_URL!)).ms).toBeGreaterThanOrEqual(290)
    // Fired once: a second matching test gets nothing new.
    expect(await chaos.chaosPoint({ test: 'a slow two', file: 'a.test.ts' })).toEqual({
      ok: true,
      faults: [],
    })
    const [record] = chaos.injections()
    expect(record?.fault.id).toBe('f1')
    expect(record?.injectedAt).toBeTypeOf('number')
  })

  test('a heal of the service ends an untimed network fault: the evidence says down, then back by this run', async () => {
    const { injector: chaos, env, events } = injector(['app:down@test:/x/'])
    await chaos.start()
    await chaos.chaosPoint({ test: 'x', file: 'a.test.ts' })
    expect((await get(env.APP_URL!)).error).toBe('ECONNREFUSED')
    expect(await chaos.healFor('db')).toBeUndefined()
    const recovery = await chaos.healFor('app')
    expect(recovery).toMatchObject({ service: 'app', by: 'this run', strategy: 'chaos:end-fault' })
    expect(Date.parse(recovery!.healthyAt!)).toBeGreaterThanOrEqual(Date.parse(recovery!.downAt!))
    expect(await get(env.APP_URL!)).toMatchObject({ body: 'ok' })
    expect(events.map((e) => [e.service, e.state])).toEqual([
      ['app', 'down'],
      ['app', 'healthy'],
    ])
    expect(chaos.injections()[0]?.endedAt).toBeTypeOf('number')
    // Nothing active any more: the next heal is the coordinator's business.
    expect(await chaos.healFor('app')).toBeUndefined()
  })

  test('a timed fault ends by itself; a heal during it waits for its end', async () => {
    const { injector: chaos, env } = injector(['app:down=400ms@test:/x/'])
    await chaos.start()
    await chaos.chaosPoint({ test: 'x', file: 'a.test.ts' })
    const started = Date.now()
    const recovery = await chaos.healFor('*')
    expect(Date.now() - started).toBeGreaterThanOrEqual(350)
    expect(recovery).toMatchObject({ service: 'app', by: 'itself' })
    expect(recovery?.strategy).toBeUndefined()
    expect(await get(env.APP_URL!)).toMatchObject({ body: 'ok' })
  })

  test('during: armed at the chaos point, applied on the first bytes, which wait for it', async () => {
    const { injector: chaos, env } = injector(['app:reset@during:/pays/'])
    await chaos.start()
    expect(await chaos.chaosPoint({ test: 'checkout > pays', file: 'a.test.ts' })).toEqual({
      ok: true,
      faults: ['f1'],
    })
    expect(chaos.injections()[0]?.injectedAt).toBeUndefined()
    // The request that carries the test's first bytes is the one the reset hits.
    expect((await get(env.APP_URL!)).error).toBe('ECONNRESET')
    expect(chaos.injections()[0]?.injectedAt).toBeTypeOf('number')
  })

  test('count triggers fire after the n-th finished test (percent of the collected total), once', async () => {
    const { injector: chaos, processFaults } = injector(['app:kill@50%', 'app:restart@after:3'])
    await chaos.start()
    collect(chaos, 2, 5)
    const finish = async (n: number) => {
      for (let i = 0; i < n; i++) chaos.reporter.onTestCaseResult({})
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await finish(2)
    expect(processFaults).toEqual([])
    await finish(1)
    expect(processFaults.map((f) => f.kind)).toEqual(['restart'])
    await finish(2)
    expect(processFaults.map((f) => f.kind)).toEqual(['restart', 'kill'])
    await finish(5)
    expect(processFaults).toHaveLength(2)
    expect(chaos.injections().map((r) => [r.fault.id, r.injectedAt !== undefined])).toEqual([
      ['f2', true],
      ['f1', true],
    ])
  })

  test('a fault that could not be applied keeps its error and no injection time; one never reached is listed', async () => {
    const { injector: chaos } = injector(['app:stop@test:/x/', 'app:kill@after:100'], {
      applyProcessFault: async () => ({ error: 'app is external and has no chaos.stop command' }),
    })
    await chaos.start()
    await chaos.chaosPoint({ test: 'x', file: 'a.test.ts' })
    expect(chaos.injections()).toEqual([
      {
        fault: expect.objectContaining({ id: 'f1' }),
        error: 'app is external and has no chaos.stop command',
      },
      { fault: expect.objectContaining({ id: 'f2' }) },
    ])
  })
})

describe('the URL the workers are handed', () => {
  const real = { host: '127.0.0.1', port: 5432 }
  const proxy = { host: '127.0.0.1', port: 40001 }
  test.each([
    ['postgres://u:secret@127.0.0.1:5432/app', 'postgres://u:secret@127.0.0.1:40001/app'],
    ['postgres://u@localhost/app?sslmode=disable', 'postgres://u@127.0.0.1:40001/app?sslmode=disable'],
    ['postgresql://[::1]:5432/app', 'postgresql://127.0.0.1:40001/app'],
  ])('%s → %s', (url, expected) => {
    expect(proxiedUrl(url, real, proxy)).toBe(expected)
  })

  test.each([
    ['another port', 'postgres://127.0.0.1:5433/app'],
    ['another host', 'postgres://db.internal:5432/app'],
    ['a unix socket through ?host=', 'postgres://u@127.0.0.1:5432/app?host=/var/run/postgresql'],
    ['no URL at all', 'not a url'],
  ])('%s: left alone', (_why, url) => {
    expect(proxiedUrl(url, real, proxy)).toBeUndefined()
  })

  test('an IPv6 proxy address is bracketed', () => {
    expect(proxiedUrl('http://127.0.0.1:5432/health', real, { host: '::1', port: 9 })).toBe(
      'http://[::1]:9/health',
    )
  })
})
