import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { createChannelServer } from '../../../src/coordinator/channel.js'
import { coordinatorHandler, createCoordinator } from '../../../src/coordinator/coordinator.js'
import type { HealReply } from '../../../src/coordinator/messages.js'
import type { HealthProbe } from '../../../src/core/types.js'
import { cleanUpChildren, spawnTs } from './spawn-ts.js'

const client = fileURLToPath(new URL('./fixtures/heal-client.ts', import.meta.url))

afterAll(() => cleanUpChildren())

describe('healing requested by worker processes over the control channel', () => {
  it('four worker processes reporting one outage get one recovery between them', async () => {
    let state: HealthProbe['state'] = 'down'
    let recoveries = 0
    const coordinator = createCoordinator({
      hostLock: false,
      services: new Map([
        [
          'db',
          {
            probe: async () => ({ state, detail: state, latencyMs: 0 }),
            recover: async (trigger) => {
              recoveries++
              await sleep(100)
              state = 'healthy'
              const startedAt = new Date().toISOString()
              return {
                healthy: true,
                records: [
                  {
                    service: 'db',
                    strategy: 'restart',
                    ok: true,
                    trigger,
                    startedAt,
                    durationMs: 100,
                    requests: 1,
                  },
                ],
              }
            },
          },
        ],
      ]),
    })
    const server = await createChannelServer(coordinatorHandler(coordinator))
    try {
      const failedAt = String(Date.now())
      const workers = await Promise.all([1, 2, 3, 4].map(() => spawnTs(client, [server.path, failedAt])))
      await Promise.all(workers.map((w) => w.printed('ready')))
      for (const w of workers) w.child.stdin?.write('go\n')
      const replies = (await Promise.all(workers.map((w) => w.exited))).map(
        (out) => JSON.parse(out.split('\n')[1]!) as HealReply & { recovered: boolean },
      )
      expect(recoveries).toBe(1)
      expect(replies.every((r) => r.ok && r.healthy && r.recovered)).toBe(true)
      expect(new Set(replies.map((r) => r.recoveryId)).size).toBe(1)
      expect(coordinator.records()).toMatchObject([{ service: 'db', trigger: 'inline', requests: 4 }])
    } finally {
      await server.close()
    }
  })
})
