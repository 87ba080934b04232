import { spawnSync } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensurePrivateDir, withHostLock } from '../../../src/coordinator/host-lock.js'
import { resolveOptions } from '../../../src/config.js'
import { HealError } from '../../../src/errors.js'
import { recover } from '../../../src/recoveries/recover.js'
import { freePort } from '../../../src/services/free-port.js'
import { http, postgres } from '../../../src/services/index.js'
import { HealSession } from '../../../src/session/session.js'
import { cleanUpChildren, spawnTs } from './spawn-ts.js'

const racer = fileURLToPath(new URL('./fixtures/lock-racer.ts', import.meta.url))
let work: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'heal-lock-test-'))
})
afterAll(async () => {
  await cleanUpChildren()
  await rm(work, { recursive: true, force: true })
})

describe('withHostLock', () => {
  it('lets one of three racing processes recover; the others wait and reuse its result', async () => {
    const dir = join(work, 'race-locks')
    const marker = join(work, 'service-up')
    const journal = join(work, 'journal')
    const racers = await Promise.all([1, 2, 3].map(() => spawnTs(racer, [dir, marker, journal, '300'])))
    await Promise.all(racers.map((r) => r.printed('ready')))
    for (const r of racers) r.child.stdin?.write('go\n')
    const outputs = await Promise.all(racers.map((r) => r.exited))
    const results = outputs.map(
      (o) => JSON.parse(o.split('\n')[1]!) as { pid: number; reused: boolean; contended: boolean },
    )

    expect(results.filter((r) => !r.reused)).toHaveLength(1)
    expect(results.filter((r) => r.reused).every((r) => r.contended)).toBe(true)
    expect(await readFile(marker, 'utf8')).toBe(String(results.find((r) => !r.reused)!.pid))

    // Mutual exclusion: the journal alternates enter/leave of the same pid.
    const lines = (await readFile(journal, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
    expect(lines).toHaveLength(6)
    for (let i = 0; i < lines.length; i += 2) {
      expect([lines[i]![0], lines[i + 1]![0]]).toEqual(['enter', 'leave'])
      expect(lines[i]![1]).toBe(lines[i + 1]![1])
    }
  })

  it('keeps its directory private (0700) and tightens one that is not', async () => {
    const dir = join(work, 'loose')
    await withHostLock('k', async () => undefined, { dir, timeoutMs: 1_000 })
    expect((await stat(dir)).mode & 0o777).toBe(0o700)
    await chmod(dir, 0o755)
    await ensurePrivateDir(dir)
    expect((await stat(dir)).mode & 0o777).toBe(0o700)
  })

  it('takes over a lock whose process is dead', async () => {
    const dir = join(work, 'stale-locks')
    const dead = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString()
    // Leave a lock held by the dead pid, under the name withHostLock will use.
    let lockPath = ''
    await withHostLock('db', async (held) => void (lockPath = held.path), { dir, timeoutMs: 1_000 })
    await writeFile(lockPath, JSON.stringify({ pid: Number(dead), at: Date.now(), token: 'old' }))

    const started = Date.now()
    const held = await withHostLock('db', async (h) => h, { dir, timeoutMs: 5_000 })
    expect(held.contended).toBe(true)
    expect(Date.now() - started).toBeLessThan(1_000)
    await expect(stat(lockPath)).rejects.toThrow(/ENOENT/)
  })

  it('takes over a lock older than staleMs even if its pid lives', async () => {
    const dir = join(work, 'old-locks')
    let lockPath = ''
    await withHostLock('db', async (held) => void (lockPath = held.path), { dir, timeoutMs: 1_000 })
    await writeFile(lockPath, JSON.stringify({ pid: process.pid, at: Date.now() - 60_000, token: 'old' }))
    const held = await withHostLock('db', async (h) => h, { dir, timeoutMs: 2_000, staleMs: 30_000 })
    expect(held.contended).toBe(true)
  })

  it('gives up after timeoutMs with a HealError naming the holder', async () => {
    const dir = join(work, 'busy-locks')
    let releaseHolder!: () => void
    const holding = withHostLock('db', () => new Promise<void>((r) => (releaseHolder = r)), {
      dir,
      timeoutMs: 1_000,
    })
    await sleep(50)
    const started = Date.now()
    const error = await withHostLock('db', async () => 'never', { dir, timeoutMs: 200, pollMs: 20 }).catch(
      (e: unknown) => e,
    )
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(error).toBeInstanceOf(HealError)
    expect((error as HealError).message).toContain(`pid ${process.pid}`)
    releaseHolder()
    await holding
    // Released: the next caller gets it without waiting.
    expect(await withHostLock('db', async (h) => h.contended, { dir, timeoutMs: 200 })).toBe(false)
  })

  it('releases the lock when the function throws', async () => {
    const dir = join(work, 'throw-locks')
    await expect(
      withHostLock(
        'db',
        async () => {
          throw new Error('recovery blew up')
        },
        { dir, timeoutMs: 500 },
      ),
    ).rejects.toThrow('recovery blew up')
    expect(await withHostLock('db', async (h) => h.contended, { dir, timeoutMs: 200 })).toBe(false)
  })

  it('serialises callers inside one process too', async () => {
    const dir = join(work, 'local-locks')
    let inside = 0
    let most = 0
    await Promise.all(
      Array.from({ length: 8 }, () =>
        withHostLock(
          'db',
          async () => {
            most = Math.max(most, ++inside)
            await sleep(10)
            inside--
          },
          { dir, timeoutMs: 5_000, pollMs: 5 },
        ),
      ),
    )
    expect(most).toBe(1)
  })
})

describe('the host lock of a session is keyed by what the service points at, not by its name', () => {
  const quiet = { status: false, hostLock: true } as const
  const healOf = (session: HealSession, name: string) =>
    session.heal(name, { failedAt: Date.now(), trigger: 'inline' })

  it('two unrelated PostgreSQLs both named db recover at once: neither waits for the other', async () => {
    const [portA, portB] = [await freePort(), await freePort()]
    const spans: { start: number; end: number }[] = []
    const slow = recover(
      async () => {
        const span = { start: Date.now(), end: Number.POSITIVE_INFINITY }
        spans.push(span)
        await sleep(1_000)
        span.end = Date.now()
      },
      { name: 'slow' },
    )
    const sessionOf = (port: number) =>
      new HealSession(
        resolveOptions({
          ...quiet,
          services: {
            db: postgres({
              url: `postgres://postgres@127.0.0.1:${port}/x`,
              checkTimeout: 300,
              startTimeout: 300,
              recover: [slow],
            }),
          },
        }),
      )
    const [a, b] = await Promise.all([healOf(sessionOf(portA), 'db'), healOf(sessionOf(portB), 'db')])
    expect([a.healthy, b.healthy]).toEqual([false, false])
    // Overlapping recoveries: the second began before the first ended (a shared lock would serialise them).
    expect(spans).toHaveLength(2)
    const [first, second] = [...spans].sort((x, y) => x.start - y.start)
    expect(second!.start).toBeLessThan(first!.end)
  })

  it('one service named db in one run and web in another is recovered once, the other reuses it', async () => {
    const port = await freePort()
    let recoveries = 0
    const servers: Server[] = []
    const bringUp = recover(
      async () => {
        recoveries++
        await sleep(300)
        const server = createServer((_, res) => res.end('ok'))
        servers.push(server)
        await new Promise<void>((resolve, reject) =>
          server.once('error', reject).listen(port, '127.0.0.1', resolve),
        )
      },
      { name: 'start' },
    )
    const sessionOf = (name: string, path: string) =>
      new HealSession(
        resolveOptions({
          ...quiet,
          services: {
            [name]: http({ url: `http://127.0.0.1:${port}${path}`, checkTimeout: 500, recover: [bringUp] }),
          },
        }),
      )
    try {
      const [a, b] = await Promise.all([
        healOf(sessionOf('db', '/health'), 'db'),
        healOf(sessionOf('web', '/'), 'web'),
      ])
      expect([a.healthy, b.healthy]).toEqual([true, true])
      expect(recoveries).toBe(1)
    } finally {
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
    }
  })
})
