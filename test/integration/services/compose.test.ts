/**
 * compose() as a recovery, end to end but for the container engine: no Docker engine runs on this
 * machine (environment.md), so a `docker` executable of our own stands first on PATH. It records the
 * argv it was given and does what `docker compose up -d <service>` does for the test: starts the
 * service (a real node:http server) in the background and returns. What is under test is ours:
 * the argv, run without a shell, the strategy's record, and the service healthy after it.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../../src/services/free-port.js'
import { compose, http, recoverService } from '../../../src/services/index.js'
import { isProcessAlive } from '../../../src/services/proc.js'

const quiet = { log: () => undefined }
const originalPath = process.env.PATH
let dir: string
let port: number

/** `docker`: logs its argv, and on `compose … up -d app` starts the app detached, as compose would. */
const fakeDocker = (logFile: string, serverFile: string, pidFile: string) => `#!${process.execPath}
const { appendFileSync, writeFileSync } = require('node:fs')
const { spawn } = require('node:child_process')
const argv = process.argv.slice(2)
appendFileSync(${JSON.stringify(logFile)}, JSON.stringify(argv) + '\\n')
const up = argv.indexOf('up')
if (argv[0] !== 'compose' || up === -1 || argv[up + 1] !== '-d') process.exit(2)
if (argv[up + 2] !== 'app') { console.error('no such service: ' + argv[up + 2]); process.exit(1) }
const child = spawn(process.execPath, [${JSON.stringify(serverFile)}], { detached: true, stdio: 'ignore' })
writeFileSync(${JSON.stringify(pidFile)}, String(child.pid))
child.unref()
`

const server = (port: number) => `require('node:http')
  .createServer((req, res) => res.end('ok'))
  .listen(${port}, '127.0.0.1')
`

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vitest-heal-compose-'))
  port = await freePort()
  writeFileSync(join(dir, 'server.cjs'), server(port))
  writeFileSync(
    join(dir, 'docker'),
    fakeDocker(join(dir, 'argv.log'), join(dir, 'server.cjs'), join(dir, 'pid')),
  )
  chmodSync(join(dir, 'docker'), 0o755)
  process.env.PATH = `${dir}:${originalPath}`
})

afterEach(() => {
  const pidFile = join(dir, 'pid')
  if (!existsSync(pidFile)) return
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL')
  } catch {
    // already gone
  }
  rmSync(pidFile)
})

afterAll(() => {
  process.env.PATH = originalPath
  rmSync(dir, { recursive: true, force: true })
})

const argvLog = (): string[][] =>
  existsSync(join(dir, 'argv.log'))
    ? readFileSync(join(dir, 'argv.log'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as string[])
    : []

describe('compose() as a recovery', () => {
  it('runs docker compose -f … -p … up -d <service> and the service is healthy after it', async () => {
    const app = http({
      url: `http://127.0.0.1:${port}/`,
      startTimeout: 10_000,
      recover: [compose('app', { file: 'compose.yml', projectName: 'shop' })],
    }).resolve({ name: 'app', key: 'services.app' })
    expect((await app.probe()).state).toBe('down')

    const result = await recoverService(app, { trigger: 'preflight', ...quiet })

    expect(result.healthy).toBe(true)
    expect(result.records.map((r) => [r.strategy, r.ok])).toEqual([['compose:app', true]])
    expect(argvLog().at(-1)).toEqual(['compose', '-f', 'compose.yml', '-p', 'shop', 'up', '-d', 'app'])
    expect(isProcessAlive(Number(readFileSync(join(dir, 'pid'), 'utf8')))).toBe(true)
  })

  it('hands a service name with shell characters over as one argument, never to a shell', async () => {
    const name = 'app; touch pwned $(touch pwned2)'
    const app = http({ url: `http://127.0.0.1:${port}/`, recover: [compose(name)] }).resolve({
      name: 'app',
      key: 'services.app',
    })

    const result = await recoverService(app, { trigger: 'inline', ...quiet })

    expect(result.healthy).toBe(false)
    expect(result.records[0]).toMatchObject({ strategy: `compose:${name}`, ok: false })
    expect(result.records[0]?.error).toMatch(
      /exited with code 1; output ends with: no such service: app; touch/,
    )
    expect(argvLog().at(-1)).toEqual(['compose', 'up', '-d', name])
    expect(existsSync(join(process.cwd(), 'pwned'))).toBe(false)
    expect(existsSync(join(process.cwd(), 'pwned2'))).toBe(false)
  })

  it('without docker on PATH, verify() names the command before anything runs', async () => {
    const app = http({ url: `http://127.0.0.1:${port}/`, recover: [compose('app')] }).resolve({
      name: 'app',
      key: 'services.app',
    })
    process.env.PATH = '/nonexistent'
    try {
      await expect(Promise.resolve().then(() => app.recoveries[0]!.verify?.())).rejects.toThrow(
        /services\.app\.recover\[0\]: command "docker" not found \(not on PATH\)/,
      )
    } finally {
      process.env.PATH = `${dir}:${originalPath}`
    }
  })
})
