/**
 * Owned processes are unref'd so they never keep a run alive; a plain script that awaits their
 * death must still be kept alive until it comes (it used to end mid-await with exit code 13).
 */
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'
import { isProcessAlive } from '../../src/services/proc.js'
import { ROOT } from './harness.js'

const run = promisify(execFile)

test(
  'a script that awaits killHard() and destroy() of a real PostgreSQL runs to its end',
  { timeout: 60_000 },
  async () => {
    const server = join(ROOT, 'dist/services/postgres-server.js')
    const script = `
    const { createPostgresServer } = await import(${JSON.stringify(server)})
    const pg = await createPostgresServer({})
    await pg.start()
    await pg.killHard()
    console.log('killed')
    await pg.destroy()
    console.log('destroyed')
  `
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script])
    expect(stdout.trim().split('\n')).toEqual(['killed', 'destroyed'])
  },
)

/**
 * A run ended by signals: the owned PostgreSQL (and its files) and an owned process must not outlive
 * it. `vitestLike` stands for Vitest's own SIGTERM handler, which runs once and exits shortly after;
 * a second SIGTERM before that exit (GNU `timeout` signals the process and then its group) used to
 * end the process with no 'exit' event, and the owned processes ran on.
 */
describe('a run ended by SIGTERM leaves no owned process or file behind', () => {
  const owners = (vitestLike: boolean) => `
    const { createPostgresServer } = await import(${JSON.stringify(join(ROOT, 'dist/services/postgres-server.js'))})
    const { OwnedProcess } = await import(${JSON.stringify(join(ROOT, 'dist/services/owned-process.js'))})
    if (${vitestLike}) process.once('SIGTERM', () => setTimeout(() => process.exit(143), 300))
    const pg = await createPostgresServer({})
    await pg.start()
    const app = new OwnedProcess({ argv: ['sleep', '300'] })
    await app.start()
    console.log(JSON.stringify({ postmaster: pg.pid(), app: app.pid, rootDir: pg.rootDir }))
    setInterval(() => {}, 1000)
  `

  async function runAndSignal(vitestLike: boolean, signals: number) {
    const child = spawn(process.execPath, ['--input-type=module', '-e', owners(vitestLike)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? code)),
    )
    const [line] = (await once(child.stdout!.setEncoding('utf8'), 'data')) as [string]
    const started = JSON.parse(line) as { postmaster: number; app: number; rootDir: string }
    expect(isProcessAlive(started.postmaster) && isProcessAlive(started.app)).toBe(true)
    for (let i = 0; i < signals; i++) {
      child.kill('SIGTERM')
      await sleep(50)
    }
    const ended = await exited
    // SIGKILL was sent before the process ended; death follows at once, reaping may take a moment.
    for (
      let waited = 0;
      waited < 5_000 && [started.postmaster, started.app].some(isProcessAlive);
      waited += 50
    )
      await sleep(50)
    return { ...started, ended }
  }

  // Either way the process ends by SIGTERM: with a Vitest-like handler, the second signal finds
  // nobody else listening and ends it as the signal would have.
  test.each([
    { vitestLike: true, signals: 2, title: 'Vitest-like handler, SIGTERM twice' },
    { vitestLike: false, signals: 1, title: 'no other handler, one SIGTERM' },
  ])(
    '$title: both killed, the cluster removed, ended by SIGTERM',
    { timeout: 60_000 },
    async ({ vitestLike, signals }) => {
      const run = await runAndSignal(vitestLike, signals)
      expect(isProcessAlive(run.postmaster)).toBe(false)
      expect(isProcessAlive(run.app)).toBe(false)
      expect(existsSync(run.rootDir)).toBe(false)
      expect(run.ended).toBe('SIGTERM')
    },
  )
})
