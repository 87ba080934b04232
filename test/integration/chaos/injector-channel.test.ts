/**
 * The `chaos-point` message of the control channel: a worker about to run a test that matches a
 * chaos pattern asks the main process to place its faults, and waits for the reply.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { connectChannel, createChannelServer, type ChannelServer } from '../../../src/coordinator/channel.js'
import type { ChannelHandler, ChaosPointRequest } from '../../../src/coordinator/messages.js'
import { parseRequest } from '../../../src/coordinator/messages.js'

const base: ChannelHandler = {
  heal: async () => ({ ok: true, healthy: true }),
  waitHealthy: async () => ({ ok: true, unhealthy: [] }),
  status: async () => ({ ok: true, services: [] }),
}

const servers: ChannelServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

describe('chaos-point over the control channel', () => {
  it('reaches the handler with the test and its file, and the reply waits for it', async () => {
    const seen: ChaosPointRequest[] = []
    const server = await createChannelServer({
      ...base,
      chaosPoint: async (request) => {
        seen.push(request)
        await new Promise((resolve) => setTimeout(resolve, 50))
        return { ok: true, faults: ['f1'] }
      },
    })
    servers.push(server)
    const channel = connectChannel(server.path)
    const started = Date.now()
    const reply = await channel.request(
      { type: 'chaos-point', test: 'checkout > pays', file: 'test/a.test.ts' },
      5_000,
    )
    channel.close()
    expect(reply).toEqual({ ok: true, faults: ['f1'] })
    expect(Date.now() - started).toBeGreaterThanOrEqual(45)
    expect(seen).toEqual([{ type: 'chaos-point', test: 'checkout > pays', file: 'test/a.test.ts' }])
  })

  it('is answered with no fault by a handler outside a chaos run', async () => {
    const server = await createChannelServer(base)
    servers.push(server)
    const channel = connectChannel(server.path)
    const reply = await channel.request({ type: 'chaos-point', test: 'x', file: 'a.test.ts' }, 5_000)
    channel.close()
    expect(reply).toEqual({ ok: true, faults: [] })
  })

  it('is checked field by field', () => {
    expect(parseRequest({ type: 'chaos-point', test: 1, file: 'a' })).toEqual({
      invalid: 'chaos-point.test must be a short string',
    })
    expect(parseRequest({ type: 'chaos-point', test: 'x', file: 'a'.repeat(5_000) })).toEqual({
      invalid: 'chaos-point.file must be a short string',
    })
    expect(parseRequest({ type: 'chaos-point', test: 'x', file: 'a', extra: 'dropped' })).toEqual({
      type: 'chaos-point',
      test: 'x',
      file: 'a',
    })
  })
})
