/**
 * The pre-flight starting an owned service that is not running yet is a start, not a recovery:
 * its status line says `starting`, the timeline records a `starting` event saying vitest-heal
 * started it, and `recoveries` stays empty. A service really found down and brought back is still a
 * recovery (trigger `preflight`). Real processes: a node:http server and a local PostgreSQL.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { resolveOptions, type HealOptions } from '../../../src/config.js'
import { freePort } from '../../../src/services/free-port.js'
import { http, postgres, recover, service } from '../../../src/services/index.js'
import { HealSession } from '../../../src/session/session.js'
import type { StatusSink } from '../../../src/session/status.js'

let session: HealSession | undefined
afterEach(async () => {
  await session?.teardown()
  session = undefined
})

function capture(): StatusSink & { lines: string[] } {
  const lines: string[] = []
  return { lines, line: (tone, text) => lines.push(`${tone} ${text}`) }
}

async function preflight(services: HealOptions['services']) {
  const status = capture()
  session = new HealSession(resolveOptions({ services }), status)
  await session.preflight()
  return { status: status.lines, records: session.allRecords(), timeline: session.timeline() }
}

describe('pre-flight: a first start is not a recovery', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vitest-heal-preflight-'))
    writeFileSync(
      join(dir, 'server.js'),
      `require('node:http').createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')`,
    )
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('a service already healthy gets its lane from the pre-flight on: one healthy event, no recovery', async () => {
    const port = await freePort()
    const server = (await import('node:http')).createServer((_req, res) => res.end('ok'))
    await new Promise<void>((done) => server.listen(port, '127.0.0.1', done))
    try {
      const run = await preflight({ app: http({ url: `http://127.0.0.1:${port}/health` }) })
      expect(run.records).toEqual([])
      expect(run.timeline.map((e) => [e.service, e.state])).toEqual([['app', 'healthy']])
    } finally {
      await new Promise((done) => server.close(done))
    }
  })

  it('an owned app not running yet says starting, goes to the timeline as a start, not to recoveries', async () => {
    const port = await freePort()
    const run = await preflight({
      app: http({
        url: `http://127.0.0.1:${port}/health`,
        start: ['node', 'server.js'],
        cwd: dir,
        startEnv: { PORT: String(port) },
      }),
    })
    expect(run.records).toEqual([])
    expect(run.status.join('\n')).toMatch(/^working app starting\b/m)
    expect(run.status.join('\n')).toMatch(/^ok app started, healthy in \d+\.\d\d s/m)
    expect(run.status.join('\n')).not.toMatch(/app down/)
    expect(run.timeline.map((e) => [e.service, e.state])).toEqual([
      ['app', 'starting'],
      ['app', 'healthy'],
    ])
    expect(run.timeline[0]?.detail).toMatch(/started by vitest-heal/)
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200)
  })

  it('a local PostgreSQL is started, not recovered', { timeout: 60_000 }, async () => {
    const run = await preflight({ db: postgres({ local: true }) })
    expect(run.records).toEqual([])
    expect(run.status.join('\n')).toMatch(/^working db starting\b/m)
    expect(run.status.join('\n')).not.toMatch(/db down|running restart/)
    expect(run.timeline.map((e) => e.state)).toEqual(['starting', 'healthy'])
  })

  it('an owned process that cannot start falls back to its recoveries and fails with what ran', async () => {
    const port = await freePort()
    const status = capture()
    session = new HealSession(
      resolveOptions({
        services: {
          app: http({
            url: `http://127.0.0.1:${port}/health`,
            start: ['node', '-e', 'process.exit(3)'],
            cwd: dir,
          }),
        },
      }),
      status,
    )
    await expect(session.preflight()).rejects.toThrow(/pre-flight failed: service "app"/)
    const steps = session.preflightResult?.services[0]?.steps.map((s) => s.what) ?? []
    expect(steps).toEqual([
      'check',
      'start (not running yet)',
      'wait',
      'recover restart (restart node -e process.exit(3))',
      'verify',
    ])
    // The failed start is a start; the restart that followed is a real, failed, recovery.
    expect(session.allRecords().map((r) => [r.strategy, r.ok, r.trigger])).toEqual([
      ['restart', false, 'preflight'],
    ])
  })

  it('a service really down at pre-flight and recovered stays a recovery (trigger preflight)', async () => {
    let up = false
    const run = await preflight({
      cache: service({
        check: () => up,
        recover: [
          recover(async () => {
            up = true
          }),
        ],
      }),
    })
    expect(run.records.map((r) => [r.service, r.ok, r.trigger])).toEqual([['cache', true, 'preflight']])
    expect(run.timeline.map((e) => e.state)).toEqual(['down', 'healthy'])
    expect(run.status.join('\n')).toMatch(/cache down/)
  })
})
