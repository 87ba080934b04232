/**
 * The session's control channel when several projects share one session: they open it at the same
 * time, must all get the one socket, and the teardown must leave no server behind (a second,
 * forgotten server once kept a two-project run from exiting).
 */
import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { expect, test } from 'vitest'
import { resolveOptions } from '../../../src/config.js'
import { service } from '../../../src/services/index.js'
import { HealSession } from '../../../src/session/session.js'

test('concurrent openChannel() calls share one socket, and teardown closes it', async () => {
  const options = resolveOptions({ status: false, services: { clock: service({ check: () => true }) } })
  const session = new HealSession(options)
  const opened = await Promise.all([session.openChannel(), session.openChannel(), session.openChannel()])
  expect(new Set(opened.map((c) => c.socket)).size).toBe(1)
  const socketDir = dirname(opened[0]!.socket)
  expect(existsSync(opened[0]!.socket)).toBe(true)

  await Promise.all([session.teardown(), session.teardown()])
  expect(existsSync(socketDir)).toBe(false)
  // The event loop holds no server of ours: nothing would keep the process alive.
  const servers = (process as unknown as { _getActiveHandles(): unknown[] })
    ._getActiveHandles()
    .filter((h) => (h as { constructor?: { name?: string } })?.constructor?.name === 'Server')
  expect(servers).toEqual([])
})
