import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { connectChannel, createChannelServer, type ChannelServer } from '../../../src/coordinator/channel.js'
import type { ChannelHandler, HealRequest } from '../../../src/coordinator/messages.js'
import { HealError } from '../../../src/errors.js'
import { cleanUpChildren, compileTs, spawnTs } from './spawn-ts.js'

const clientScript = fileURLToPath(new URL('./fixtures/channel-client.ts', import.meta.url))

/** A handler that records what it was asked and answers like a coordinator whose db is healthy. */
function recordingHandler(overrides: Partial<ChannelHandler> = {}) {
  const heals: HealRequest[] = []
  const handler: ChannelHandler = {
    heal: async (request) => {
      heals.push(request)
      return { ok: true, healthy: true, recoveryId: 7 }
    },
    waitHealthy: async (request) => ({ ok: true, unhealthy: request.services.filter((s) => s !== 'db') }),
    status: async () => ({ ok: true, services: [{ service: 'db', state: 'healthy', broken: false }] }),
    ...overrides,
  }
  return { heals, handler }
}

const servers: ChannelServer[] = []
async function serve(handler: ChannelHandler): Promise<ChannelServer> {
  const server = await createChannelServer(handler)
  servers.push(server)
  return server
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})
afterAll(() => cleanUpChildren())

/** Sends raw lines over a fresh connection and collects the reply lines. */
async function raw(path: string, text: string, replies: number): Promise<Record<string, unknown>[]> {
  const socket = createConnection(path)
  socket.setEncoding('utf8')
  let received = ''
  socket.on('data', (chunk: string) => (received += chunk))
  // The server may hang up before it has read all of an oversized line.
  socket.on('error', () => undefined)
  socket.write(text)
  for (let waited = 0; received.split('\n').length <= replies && waited < 3_000; waited += 10) await sleep(10)
  socket.destroy()
  return received
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}

describe('control channel', () => {
  it('listens on a unix socket in a private 0700 directory, no TCP port', async () => {
    const server = await serve(recordingHandler().handler)
    const info = await stat(server.path)
    expect(info.isSocket()).toBe(true)
    expect((await stat(dirname(server.path))).mode & 0o777).toBe(0o700)
    expect(info.mode & 0o077).toBe(0)
    await server.close()
    expect(existsSync(dirname(server.path))).toBe(false)
  })

  it('answers a real child process and a worker thread', async () => {
    const { heals, handler } = recordingHandler()
    const server = await serve(handler)
    const child = await spawnTs(clientScript, [server.path])
    const fromChild = JSON.parse(await child.exited) as Record<string, unknown>
    const worker = new Worker(await compileTs(clientScript), { workerData: server.path })
    const fromWorker = JSON.parse(
      await new Promise<string>((resolve, reject) => {
        worker.once('message', resolve)
        worker.once('error', reject)
      }),
    ) as Record<string, unknown>
    await worker.terminate()

    for (const replies of [fromChild, fromWorker]) {
      expect(replies.heal).toEqual({ ok: true, healthy: true, recoveryId: 7 })
      expect(replies.wait).toEqual({ ok: true, unhealthy: [] })
      expect(replies.status).toEqual({
        ok: true,
        services: [{ service: 'db', state: 'healthy', broken: false }],
      })
    }
    expect(heals.map((h) => [h.service, h.test])).toEqual([
      ['db', 'a.test.ts > saves'],
      ['db', 'a.test.ts > saves'],
    ])
  })

  it('carries many concurrent requests on one connection and matches each reply to its request', async () => {
    const server = await serve({
      ...recordingHandler().handler,
      // Replies come back out of order: later requests finish first.
      waitHealthy: async (r) => {
        await sleep(50 - r.timeoutMs / 10)
        return { ok: true, unhealthy: r.services }
      },
    })
    const channel = connectChannel(server.path)
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        channel.request({ type: 'wait-healthy', services: [`s${i}`], timeoutMs: (i % 50) * 10 }, 5_000),
      ),
    )
    channel.close()
    expect(replies.map((r) => r.unhealthy[0])).toEqual(Array.from({ length: 200 }, (_, i) => `s${i}`))
  })

  it('answers a malformed line with an error and keeps serving', async () => {
    const server = await serve(recordingHandler().handler)
    const replies = await raw(
      server.path,
      [
        'not json',
        '{"message":{"type":"status"}}',
        '{"id":1,"message":{"type":"launch-missiles"}}',
        '{"id":2,"message":{"type":"heal","service":"db"}}',
        '{"id":3,"message":{"type":"wait-healthy","services":"db","timeoutMs":5}}',
        '{"id":4,"message":{"type":"status"}}',
        '',
      ].join('\n'),
      6,
    )
    expect(replies).toEqual([
      { id: null, error: 'malformed line: not JSON' },
      { id: null, error: 'malformed line: no integer id' },
      { id: 1, error: 'invalid message: unknown message type' },
      { id: 2, error: 'invalid message: heal.failedAt must be epoch milliseconds' },
      { id: 3, error: 'invalid message: wait-healthy.services must be a list of service names' },
      { id: 4, reply: { ok: true, services: [{ service: 'db', state: 'healthy', broken: false }] } },
    ])
  })

  it('drops a connection that sends an endless line, without crashing', async () => {
    const server = await serve(recordingHandler().handler)
    const replies = await raw(server.path, 'x'.repeat(1_100_000), 1)
    expect(replies[0]).toMatchObject({ id: null, error: expect.stringContaining('longer than') })
    const channel = connectChannel(server.path)
    expect(await channel.request({ type: 'status' }, 2_000)).toMatchObject({ ok: true })
    channel.close()
  })

  it('treats a service name as data: shell text is never run', async () => {
    const { heals, handler } = recordingHandler()
    const server = await serve(handler)
    const channel = connectChannel(server.path)
    const marker = `${dirname(server.path)}/pwned`
    await channel.request({ type: 'heal', service: `db; touch ${marker}`, failedAt: 1 }, 2_000)
    channel.close()
    expect(heals[0]?.service).toBe(`db; touch ${marker}`)
    expect(existsSync(marker)).toBe(false)
  })

  it('turns a handler error into a rejected request with a HealError, secrets redacted', async () => {
    const server = await serve({
      ...recordingHandler().handler,
      heal: async () => {
        throw Object.assign(new Error('cannot reach postgres://app:hunter2@127.0.0.1:5432/db'), {
          code: 'E_CIRCUIT_OPEN',
        })
      },
    })
    const channel = connectChannel(server.path)
    const error = await channel
      .request({ type: 'heal', service: 'db', failedAt: 1 }, 2_000)
      .catch((e: unknown) => e)
    channel.close()
    expect(error).toBeInstanceOf(HealError)
    expect(String((error as Error).message)).toContain('app:***@127.0.0.1')
    expect(String((error as Error).message)).toContain('E_CIRCUIT_OPEN')
    expect(String((error as Error).message)).not.toContain('hunter2')
  })

  it('gives up on a request after its timeout', async () => {
    const server = await serve({ ...recordingHandler().handler, status: () => new Promise(() => undefined) })
    const channel = connectChannel(server.path)
    const started = Date.now()
    await expect(channel.request({ type: 'status' }, 150)).rejects.toThrow(/no reply to status within 150 ms/)
    expect(Date.now() - started).toBeLessThan(1_000)
    channel.close()
  })

  it('resends once on a fresh connection when the connection drops mid-request, then gives up', async () => {
    // A hand-made peer, to drop connections exactly when the test wants.
    const dir = await mkdtemp(join(tmpdir(), 'heal-channel-test-'))
    const path = join(dir, 'peer.sock')
    let connections = 0
    let dropsLeft = 1
    const peer = createServer((socket) => {
      connections++
      socket.setEncoding('utf8')
      socket.on('error', () => undefined)
      socket.on('data', (line: string) => {
        if (dropsLeft-- > 0) return void socket.destroy()
        const { id } = JSON.parse(line) as { id: number }
        socket.write(`${JSON.stringify({ id, reply: { ok: true, services: [] } })}\n`)
      })
    })
    await new Promise<void>((resolve) => peer.listen(path, resolve))
    try {
      const channel = connectChannel(path)
      expect(await channel.request({ type: 'status' }, 2_000)).toEqual({ ok: true, services: [] })
      expect(connections).toBe(2)

      dropsLeft = 2
      await expect(channel.request({ type: 'status' }, 2_000)).rejects.toThrow(/connection lost/)
      expect(connections).toBe(3)
      channel.close()
    } finally {
      await new Promise((resolve) => peer.close(resolve))
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('fails fast when nothing listens', async () => {
    const channel = connectChannel(join(tmpdir(), 'vitest-heal-no-such-dir', 'control.sock'))
    const started = Date.now()
    await expect(channel.request({ type: 'status' }, 5_000)).rejects.toThrow(/connection lost \(ENOENT\)/)
    expect(Date.now() - started).toBeLessThan(1_000)
  })
})

/**
 * Issue 11: a run ended by SIGTERM left `control.sock` and its `vitest-heal-…` directory in /tmp,
 * one per run. However the main process ends, the directory goes with it.
 */
describe('the socket directory never outlives the process', () => {
  const serverScript = fileURLToPath(new URL('./fixtures/channel-server.ts', import.meta.url))

  it.each([
    // Vitest-like: its handler runs once; abrupt-exit's then finds nobody else and ends it by the signal.
    { mode: 'vitest-like', signal: 'SIGTERM' as const, ended: 'SIGTERM' },
    { mode: 'bare', signal: 'SIGTERM' as const, ended: 'SIGTERM' },
    { mode: 'bare', signal: 'SIGINT' as const, ended: 'SIGINT' },
    { mode: 'exit', signal: undefined, ended: 3 },
  ])('$mode, ended by $signal', { timeout: 20_000 }, async ({ mode, signal, ended }) => {
    const { child, exited: output } = await spawnTs(serverScript, [mode])
    output.catch(() => undefined) // it is meant to end by a signal or a non-zero exit
    const exited = new Promise<number | string | null>((resolve) =>
      child.once('exit', (code, sig) => resolve(sig ?? code)),
    )
    const [chunk] = (await once(child.stdout!, 'data')) as [Buffer]
    const path = chunk.toString().trim()
    expect(existsSync(path)).toBe(true)
    if (signal) child.kill(signal)
    expect(await exited).toBe(ended)
    expect(existsSync(dirname(path))).toBe(false)
  })
})
