/**
 * Owned services for real: a local PostgreSQL and a node:http server that vitest-heal starts,
 * killed with SIGKILL and brought back by their `restart` recovery; and command recoveries that
 * hang or do not exist.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HealError } from '../../../src/errors.js'
import { freePort } from '../../../src/services/free-port.js'
import { command, http, postgres, recover, recoverService, service } from '../../../src/services/index.js'
import { descendantsOf, isProcessAlive, readProcStat } from '../../../src/services/proc.js'
import type { Service } from '../../../src/services/types.js'
import { queryOnce } from '../../helpers/postgres.js'

const quiet = { log: () => undefined }

async function killTree(pid: number): Promise<void> {
  for (const member of [pid, ...descendantsOf(pid)]) {
    try {
      process.kill(member, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
  for (let i = 0; i < 200 && isProcessAlive(pid); i++) await new Promise((r) => setTimeout(r, 10))
}

async function dataDirectory(url: string): Promise<string> {
  const rows = await queryOnce<{ dir: string }>(url, 'SELECT current_setting($1) AS dir', ['data_directory'])
  return rows[0]?.dir as string
}

describe('postgres({ local: true })', () => {
  let db: Service
  beforeAll(() => {
    db = postgres({ local: true, env: 'DATABASE_URL' }).resolve({ name: 'db', key: 'services.db' })
  })
  afterAll(async () => {
    await db?.owned?.stop()
  })

  it('is started by its restart recovery, on a free port, and answers', async () => {
    expect((await db.probe()).state).toBe('down')
    const result = await recoverService(db, { trigger: 'preflight', ...quiet })
    expect(result.healthy).toBe(true)
    expect(result.records.map((r) => [r.strategy, r.ok])).toEqual([['restart', true]])
    expect(db.url()).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/)
    expect(db.ref().port).toBe(Number(new URL(db.url() as string).port))
    await queryOnce(db.url() as string, 'CREATE TABLE kept (n int)')
    await queryOnce(db.url() as string, 'INSERT INTO kept VALUES (5)')
  })

  it('killed hard (postmaster and children), is restarted with its data despite the lock files left behind', async () => {
    const url = db.url() as string
    const dir = await dataDirectory(url)
    // The postmaster's pid is the first line of postmaster.pid (a backend's parent would do too, but the
    // backend of a closed connection may already be gone by the time /proc is read).
    const postmaster = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0])
    expect(readProcStat(postmaster)).toBeDefined()
    await killTree(postmaster)
    expect(existsSync(join(dir, 'postmaster.pid'))).toBe(true)
    expect((await db.probe()).state).toBe('down')

    const result = await recoverService(db, { trigger: 'inline', ...quiet })

    expect(result.healthy).toBe(true)
    expect(result.records.map((r) => [r.strategy, r.ok])).toEqual([['restart', true]])
    expect(db.url()).toBe(url)
    expect(await queryOnce(url, 'SELECT n FROM kept')).toEqual([{ n: 5 }])
    const newPid = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0])
    expect(newPid).not.toBe(postmaster)
  })

  it('stop() removes the cluster', async () => {
    const url = db.url() as string
    const dir = await dataDirectory(url)
    await db.owned?.stop()
    expect(existsSync(dir)).toBe(false)
    expect(db.owned?.isRunning()).toBe(false)
  })
})

describe('http({ start }) as an owned service', () => {
  let dir: string
  let app: Service
  let port: number
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vitest-heal-app-'))
    writeFileSync(
      join(dir, 'server.js'),
      `require('node:http').createServer((req, res) => {
         res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'text/plain' })
         res.end(String(process.pid))
       }).listen(Number(process.env.PORT), '127.0.0.1')`,
    )
    port = await freePort()
    app = http({
      url: `http://127.0.0.1:${port}/health`,
      start: ['node', 'server.js'],
      cwd: dir,
      startEnv: { PORT: String(port) },
      startTimeout: 10_000,
    }).resolve({ name: 'app', key: 'services.app' })
  })
  afterAll(async () => {
    await app?.owned?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  async function serverPid(): Promise<number> {
    return Number(await (await fetch(`http://127.0.0.1:${port}/health`)).text())
  }

  it('is started, then after SIGKILL restarted by the restart recovery', async () => {
    expect((await app.probe()).state).toBe('down')
    expect((await recoverService(app, { trigger: 'preflight', ...quiet })).healthy).toBe(true)
    const first = await serverPid()
    expect(app.owned?.isRunning()).toBe(true)

    process.kill(first, 'SIGKILL')
    for (let i = 0; i < 100 && app.owned?.isRunning(); i++) await new Promise((r) => setTimeout(r, 10))
    expect(app.owned?.isRunning()).toBe(false)
    expect((await app.probe()).state).toBe('down')

    const result = await recoverService(app, { trigger: 'inline', ...quiet })
    expect(result.healthy).toBe(true)
    expect(result.records.map((r) => r.strategy)).toEqual(['restart'])
    const second = await serverPid()
    expect(second).not.toBe(first)
    expect(result.last).toMatchObject({ state: 'healthy', detail: 'HTTP 200' })
  })

  it('stop() ends the process', async () => {
    const pid = await serverPid()
    await app.owned?.stop()
    expect(isProcessAlive(pid)).toBe(false)
    expect((await app.probe()).state).toBe('down')
  })
})

describe('command recoveries', () => {
  it('a command that hangs is killed at its timeout, and the next strategy runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vitest-heal-cmd-'))
    const pidFile = join(dir, 'pid')
    let repaired = false
    const svc = service({
      check: async () => repaired,
      startTimeout: 2_000,
      recover: [
        command(
          [
            'node',
            '-e',
            `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`,
          ],
          {
            timeout: 500,
          },
        ),
        recover(
          async () => {
            repaired = true
          },
          { name: 'repair' },
        ),
      ],
    }).resolve({ name: 'cache', key: 'services.cache' })
    try {
      const result = await recoverService(svc, { trigger: 'preflight', ...quiet })
      expect(result.healthy).toBe(true)
      expect(result.records.map((r) => [r.strategy, r.ok])).toEqual([
        ['command:node', false],
        ['custom:repair', true],
      ])
      expect(result.records[0]?.error).toMatch(/did not finish within 500 ms; killed it/)
      expect(result.records[0]?.durationMs).toBeGreaterThanOrEqual(500)
      expect(result.records[0]?.durationMs).toBeLessThan(2_000)
      expect(isProcessAlive(Number(readFileSync(pidFile, 'utf8')))).toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a command that fails reports its exit code and the end of its output, redacted', async () => {
    const svc = service({
      check: async () => false,
      recover: [
        command([
          'node',
          '-e',
          'console.error("cannot reach postgres://app:hunter2@127.0.0.1:1/x"); process.exit(3)',
        ]),
      ],
    }).resolve({ name: 'db', key: 'services.db' })
    const result = await recoverService(svc, { trigger: 'preflight', ...quiet })
    expect(result.healthy).toBe(false)
    expect(result.records[0]?.error).toMatch(
      /exited with code 3; output ends with: cannot reach postgres:\/\/app:\*\*\*@127/,
    )
    expect(result.records[0]?.error).not.toContain('hunter2')
  })

  it('a command that does not exist fails verify, naming it and the key', async () => {
    const [missing] = service({
      check: async () => false,
      recover: [command(['pg_ctl_nowhere', 'start'])],
    }).resolve({
      name: 'db',
      key: 'services.db',
    }).recoveries
    const error = await missing?.verify?.().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(HealError)
    expect(error).toMatchObject({ code: 'E_COMMAND_NOT_FOUND' })
    expect((error as Error).message).toBe(
      'vitest-heal: services.db.recover[0]: command "pg_ctl_nowhere" not found (not on PATH)',
    )
    await expect(command(['./bin/nothing']).resolve('services.x.recover[1]').verify?.()).rejects.toThrow(
      'services.x.recover[1]: command "./bin/nothing" not found (no executable file at that path)',
    )
    await expect(command(['node']).resolve('k').verify?.()).resolves.toBeUndefined()
  })

  it('recoverService skips a recovery that fails verify and still runs the others', async () => {
    let fixed = false
    const svc = service({
      check: async () => fixed,
      recover: [command(['no-such-tool-xyz']), recover(() => void (fixed = true))],
    }).resolve({ name: 'q', key: 'services.q' })
    const lines: string[] = []
    const result = await recoverService(svc, { trigger: 'preflight', log: (l) => lines.push(l) })
    expect(result.healthy).toBe(true)
    expect(result.records.map((r) => [r.strategy, r.ok, r.durationMs])).toEqual([
      ['command:no-such-tool-xyz', false, 0],
      ['custom', true, expect.any(Number)],
    ])
    expect(lines[0]).toContain('cannot run no-such-tool-xyz')
  })
})
