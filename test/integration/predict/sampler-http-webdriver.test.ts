/**
 * The sampler's HTTP and WebDriver sources against real servers: an HTTP app whose health answer
 * turns to 503 (the error rate of the last probes rises), and a real chromedriver that vitest-heal
 * owns (its session count from GET /sessions, its process tree's memory).
 */
import { createServer, type Server } from 'node:http'
import { existsSync } from 'node:fs'
import { afterAll, describe, expect, test } from 'vitest'
import { resolveOptions } from '../../../src/config.js'
import { serviceSource } from '../../../src/predict/metrics-service.js'
import { createSampler } from '../../../src/predict/sampler.js'
import { freePort } from '../../../src/services/free-port.js'
import { http, webdriver } from '../../../src/services/index.js'
import { waitUntilHealthy } from '../../../src/services/wait.js'

const CHROMEDRIVER = '/usr/bin/chromedriver'
const cleanups: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined)
})

describe('HTTP and WebDriver samples', () => {
  test('an HTTP app: probe latency every tick, and the error rate of the last probes', async () => {
    let status = 200
    const server: Server = createServer((_, res) => {
      res.statusCode = status
      res.end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => server.close(resolve)))
    const port = (server.address() as { port: number }).port
    const [app] = resolveOptions({
      services: { app: http({ url: `http://127.0.0.1:${port}/health` }) },
    }).services
    const sampler = createSampler({ intervalMs: 1_000, sources: [serviceSource(app!)] })
    for (let i = 0; i < 4; i++) await sampler.tick()
    status = 503
    for (let i = 0; i < 4; i++) await sampler.tick()
    const samples = sampler.recent('app')
    expect(samples.map((s) => s.metrics['http.errorRate'])).toEqual([0, 0, 0, 0, 0.2, 2 / 6, 3 / 7, 0.5])
    expect(samples.map((s) => s.metrics['probe.down'])).toEqual([0, 0, 0, 0, 1, 1, 1, 1])
    expect(samples.at(-1)).toMatchObject({ detail: 'HTTP 503' })
    for (const s of samples) expect(s.metrics['probe.latencyMs']).toBeGreaterThanOrEqual(0)
    // Not owned: no process of ours to measure.
    expect(samples[0]!.metrics['proc.rssBytes']).toBeUndefined()
  })

  test.skipIf(!existsSync(CHROMEDRIVER))('an owned chromedriver: sessions and its memory', async () => {
    const port = await freePort()
    const [driver] = resolveOptions({
      services: {
        browser: webdriver({ url: `http://127.0.0.1:${port}`, start: [CHROMEDRIVER, `--port=${port}`] }),
      },
    }).services
    await driver!.owned!.start()
    cleanups.push(() => driver!.owned!.stop())
    expect((await waitUntilHealthy(driver!, { timeoutMs: 15_000 })).healthy).toBe(true)
    const sampler = createSampler({ intervalMs: 1_000, sources: [serviceSource(driver!)] })
    await sampler.tick()
    const [sample] = sampler.recent('browser')
    expect(sample!.metrics).toMatchObject({ 'probe.down': 0, 'webdriver.sessions': 0 })
    expect(sample!.metrics['proc.rssBytes']).toBeGreaterThan(1_000_000)
  })
})
