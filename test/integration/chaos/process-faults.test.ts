/**
 * Process faults for real: an owned local PostgreSQL killed (no process of its tree left), paused
 * (its probe times out, then answers again), stopped and restarted; an owned node:http app whose
 * child process dies with it; an external service broken through its own `chaos.kill` argv; and the
 * faults that cannot be applied, which come back as errors instead of throwing into the run.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyProcessFault } from '../../../src/chaos/process-faults.js'
import type { FaultSpec } from '../../../src/core/fault.js'
import { freePort } from '../../../src/services/free-port.js'
import { http, postgres, recoverService } from '../../../src/services/index.js'
import { descendantsOf, isProcessAlive, readProcStat } from '../../../src/services/proc.js'
import type { Service } from '../../../src/services/types.js'
import { pollUntilHealthy } from '../../../src/services/wait.js'

const quiet = { log: () => undefined }
const fault = (kind: FaultSpec['kind'], params: FaultSpec['params'] = {}) => ({ kind, params })

/** The service's process tree now: its main pid and every descendant. */
function tree(service: Service): number[] {
  const pid = service.owned?.pid?.()
  expect(pid).toBeTypeOf('number')
  return [pid as number, ...descendantsOf(pid as number)]
}

async function healthy(service: Service): Promise<boolean> {
  return (await pollUntilHealthy(() => service.probe(), { timeoutMs: 10_000 })).healthy
}

/** A node:http server that forks a long sleep, so a kill must reach a grandchild too. */
const SERVER = `
  const { spawn } = require('node:child_process')
  spawn('sleep', ['600'], { stdio: 'ignore' })
  require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')
`
/** The same without the child: nothing of it may outlive the test. */
const PLAIN_SERVER = SERVER.replace(/^.*spawn\('sleep'.*$/m, '')

describe('an owned local PostgreSQL', () => {
  let db: Service
  beforeAll(async () => {
    db = postgres({ local: true, checkTimeout: 400 }).resolve({ name: 'db', key: 'services.db' })
    expect((await recoverService(db, { trigger: 'preflight', ...quiet })).healthy).toBe(true)
  })
  afterAll(async () => {
    await db?.owned?.stop()
  })

  it('kill: the postmaster and all its children die at once, the probe says down, the restart recovery brings it back', async () => {
    const family = tree(db)
    expect(family.length).toBeGreaterThan(3)
    expect(await applyProcessFault(db, fault('kill'))).toEqual({})
    expect(family.filter(isProcessAlive)).toEqual([])
    expect((await db.probe()).state).toBe('down')
    expect((await recoverService(db, { trigger: 'inline', ...quiet })).healthy).toBe(true)
  })

  it('pause: every process of the tree is stopped, the probe times out, and it answers again once resumed', async () => {
    const applied = await applyProcessFault(db, fault('pause', { durationMs: 1_500 }))
    expect(applied.error).toBeUndefined()
    // The tree as it is now: a backend that ended on its own before the pause (the one the recovery's
    // probe used, say) is gone, not running.
    // (one that exited just before is a zombie its stopped parent cannot reap).
    const states = tree(db)
      .map((pid) => readProcStat(pid)?.state)
      .filter((state) => state !== undefined && state !== 'Z')
    expect(states.length).toBeGreaterThan(3)
    expect(states).toEqual(states.map(() => 'T'))
    const probe = await db.probe()
    expect(probe).toMatchObject({ state: 'down', detail: 'no answer within 400 ms' })
    const endedAt = await applied.endedAt
    expect(endedAt).toBeGreaterThan(Date.now() - 5_000)
    expect(await healthy(db)).toBe(true)
  })

  it('restart: stopped gracefully (fast shutdown) and started again on the same port, with no recovery', async () => {
    const before = db.url()
    const [postmaster] = tree(db)
    expect(await applyProcessFault(db, fault('restart'))).toEqual({})
    expect(isProcessAlive(postmaster as number)).toBe(false)
    expect(await healthy(db)).toBe(true)
    expect(db.url()).toBe(before)
  })

  it('stop: the tree exits gracefully and the service is down until recovered', async () => {
    const family = tree(db)
    expect(await applyProcessFault(db, fault('stop'))).toEqual({})
    expect(family.filter(isProcessAlive)).toEqual([])
    expect((await db.probe()).state).toBe('down')
    // Nothing left to act on: an error for the scorecard, not a throw.
    expect((await applyProcessFault(db, fault('kill'))).error).toBe(
      'services.db has no running process to kill',
    )
  })
})

describe('an owned HTTP app', () => {
  let app: Service
  beforeAll(async () => {
    const port = await freePort('127.0.0.1')
    app = http({
      url: `http://127.0.0.1:${port}/`,
      start: ['node', '-e', SERVER],
      startEnv: { PORT: String(port) },
      checkTimeout: 500,
    }).resolve({ name: 'app', key: 'services.app' })
    expect((await recoverService(app, { trigger: 'preflight', ...quiet })).healthy).toBe(true)
  })
  afterAll(async () => {
    await app?.owned?.stop()
  })

  it('kill: the server and the process it forked die, the probe says down', async () => {
    let family = tree(app)
    for (let i = 0; i < 100 && family.length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      family = tree(app)
    }
    expect(family).toHaveLength(2)
    expect(await applyProcessFault(app, fault('kill'))).toEqual({})
    expect(family.filter(isProcessAlive)).toEqual([])
    expect((await app.probe()).state).toBe('down')
  })
})

describe('an external service', () => {
  let server: ChildProcess
  let url: string
  beforeAll(async () => {
    const port = await freePort('127.0.0.1')
    url = `http://127.0.0.1:${port}/`
    server = spawn('node', ['-e', PLAIN_SERVER], {
      env: { ...process.env, PORT: String(port) },
      stdio: 'ignore',
    })
    const external = http({ url }).resolve({ name: 'ext', key: 'services.ext' })
    expect(await healthy(external)).toBe(true)
  })
  afterAll(() => {
    server?.kill('SIGKILL')
  })

  it('kill runs its chaos.kill argv (no shell), and the service is down', async () => {
    const ext = http({ url, chaos: { kill: ['kill', '-KILL', String(server.pid)] } }).resolve({
      name: 'ext',
      key: 'services.ext',
    })
    expect(await applyProcessFault(ext, fault('kill'))).toEqual({})
    expect((await ext.probe()).state).toBe('down')
  })

  it('a command that fails, a fault with no command, a network kind: errors for the scorecard', async () => {
    const failing = http({ url, chaos: { stop: ['false'] } }).resolve({ name: 'ext', key: 'services.ext' })
    expect((await applyProcessFault(failing, fault('stop'))).error).toMatch(/^false exited with code 1/)
    expect((await applyProcessFault(failing, fault('restart'))).error).toBe(
      'services.ext is not run by vitest-heal and has no chaos.restart command',
    )
    expect((await applyProcessFault(failing, fault('latency', { latency: 5 }))).error).toBe(
      'latency is not a process fault',
    )
  })

  it('pause runs chaos.pause, then chaos.resume after the duration (or at once when aborted)', async () => {
    const ran: string[][] = []
    const paused = http({
      url,
      chaos: { pause: ['pause-it'], resume: ['resume-it'] },
    }).resolve({ name: 'ext', key: 'services.ext' })
    const abort = new AbortController()
    const applied = await applyProcessFault(paused, fault('pause', { durationMs: 60_000 }), {
      runCommand: async (argv) => void ran.push([...argv]),
      signal: abort.signal,
      now: () => 1234,
    })
    expect(ran).toEqual([['pause-it']])
    abort.abort()
    expect(await applied.endedAt).toBe(1234)
    expect(ran).toEqual([['pause-it'], ['resume-it']])
  })
})
