/**
 * Infra with nobody blamed (an `ECONNRESET` carries no host:port): the worker asks to heal `*`, the
 * session checks every service, and its reply names the one it found down, so the failure is blamed
 * on it, recovered or not. Through the real control channel, as a worker asks.
 */
import { afterEach, expect, test } from 'vitest'
import { resolveOptions } from '../../../src/config.js'
import { recover, service } from '../../../src/services/index.js'
import { HealSession } from '../../../src/session/session.js'
import { connectWorkerChannel } from '../../../src/vitest/worker-channel.js'

let session: HealSession | undefined
afterEach(async () => {
  await session?.teardown()
  session = undefined
})

async function healUnblamed(recovers: boolean) {
  let dbUp = false
  session = new HealSession(
    resolveOptions({
      status: false,
      services: {
        cache: service({ check: () => true }),
        db: service({
          check: () => dbUp,
          recover: [
            recover(async () => {
              if (!recovers) throw new Error('no luck')
              dbUp = true
            }),
          ],
        }),
      },
    }),
  )
  const { socket } = await session.openChannel()
  return connectWorkerChannel(socket).heal({
    service: undefined,
    failedAt: Date.now(),
    test: 'test/a.test.ts > reads',
    evidence: 'read ECONNRESET',
  })
}

test('a recovered outage: the reply names the service found down', async () => {
  expect(await healUnblamed(true)).toMatchObject({ healthy: true, probed: 'down', service: 'db' })
})

test('an outage that could not be recovered: the reply names it too', async () => {
  expect(await healUnblamed(false)).toMatchObject({ healthy: false, service: 'db' })
})
