/**
 * A process vitest-heal starts and keeps as its child: spawned from an argv array (never a shell),
 * in its own process group so stopping it also stops whatever it forked, with the last lines of its
 * output kept as evidence. A safety net (abrupt-exit.ts) kills every still-running one when the run
 * ends abruptly.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { redactSecrets } from '../core/redact.js'
import { HealError } from '../errors.js'
import { onAbruptExit } from './abrupt-exit.js'
import { LineBuffer } from './line-buffer.js'
import { descendantsOf, isProcessAlive } from './proc.js'

export interface OwnedProcessOptions {
  argv: readonly string[]
  cwd?: string
  /** Added to the parent's environment. */
  env?: Record<string, string>
  /** Run as this user (PostgreSQL refuses to run as root). */
  uid?: number
  gid?: number
  /** Between the stop signal and SIGKILL in `stop()`. Default 5 000 ms. */
  graceMs?: number
  /** What `stop()` sends first. Default SIGTERM (PostgreSQL's fast shutdown is SIGINT). */
  stopSignal?: NodeJS.Signals
}

export interface ProcessExit {
  code: number | null
  signal: NodeJS.Signals | null
}

export class OwnedProcess {
  private child: ChildProcess | undefined
  private exitPromise: Promise<ProcessExit> | undefined
  private readonly output = new LineBuffer()
  private readonly exitListeners = new Set<(exit: ProcessExit) => void>()
  private lastExitInfo: ProcessExit | undefined

  constructor(private readonly options: OwnedProcessOptions) {
    if (options.argv.length === 0) throw new HealError('E_CONFIG', 'an owned process needs a non-empty argv')
  }

  get pid(): number | undefined {
    return this.isRunning() ? this.child?.pid : undefined
  }

  get lastExit(): ProcessExit | undefined {
    return this.lastExitInfo
  }

  isRunning(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
  }

  /** Resolves once the process is spawned; rejects when it cannot be (e.g. ENOENT). No-op when running. */
  start(): Promise<void> {
    if (this.isRunning()) return Promise.resolve()
    const [file, ...args] = this.options.argv as [string, ...string[]]
    const child = spawn(file, args, {
      cwd: this.options.cwd,
      env: { ...process.env, ...this.options.env },
      uid: this.options.uid,
      gid: this.options.gid,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.child = child
    let forgetOnExit = (): void => {}
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.output.push(chunk))
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.output.push(chunk))
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        forgetOnExit()
        this.lastExitInfo = { code, signal }
        for (const listener of this.exitListeners) listener(this.lastExitInfo)
        resolve(this.lastExitInfo)
      })
    })
    return new Promise((resolve, reject) => {
      child.once('spawn', () => {
        forgetOnExit = onAbruptExit('kill', () => this.kill('SIGKILL'))
        // An owned service must never be what keeps the run alive; the safety net stops it at exit.
        child.unref()
        ;(child.stdout as { unref?: () => void } | null)?.unref?.()
        ;(child.stderr as { unref?: () => void } | null)?.unref?.()
        resolve()
      })
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (child.pid !== undefined) return
        reject(
          new HealError(
            error.code === 'ENOENT' ? 'E_COMMAND_NOT_FOUND' : 'E_COMMAND_FAILED',
            redactSecrets(`could not start ${this.describe()}: ${error.message}`),
            { cause: error },
          ),
        )
      })
    })
  }

  /** Calls `listener` every time the process exits (crash or stop). Returns an unsubscribe function. */
  onExit(listener: (exit: ProcessExit) => void): () => void {
    this.exitListeners.add(listener)
    return () => this.exitListeners.delete(listener)
  }

  /** Sends `signal` to the whole process group. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    const pid = this.pid
    if (pid === undefined) return
    killGroup(pid, signal)
  }

  /** Resolves when the current process has exited (immediately when none runs). */
  async exited(): Promise<ProcessExit | undefined> {
    if (!this.isRunning()) return this.lastExitInfo
    // The child is unref'd so it never keeps the run alive; whoever awaits its exit must be kept
    // alive until it comes (a script awaiting killHard() would otherwise end mid-await).
    const child = this.child
    child?.ref()
    try {
      return await this.exitPromise
    } finally {
      child?.unref()
    }
  }

  /** The stop signal (SIGTERM) to the group, SIGKILL after the grace period; resolves once it has exited. */
  async stop(graceMs = this.options.graceMs ?? 5_000): Promise<void> {
    if (!this.isRunning()) return
    const exited = this.exited()
    this.kill(this.options.stopSignal ?? 'SIGTERM')
    let timer: NodeJS.Timeout | undefined
    const graceOver = new Promise<'grace-over'>((resolve) => {
      timer = setTimeout(() => resolve('grace-over'), graceMs)
    })
    const first = await Promise.race([exited, graceOver])
    clearTimeout(timer)
    if (first === 'grace-over') {
      this.kill('SIGKILL')
      await exited
    }
  }

  logTail(lines = 20): string {
    return redactSecrets(this.output.tail(lines))
  }

  describe(): string {
    return redactSecrets(this.options.argv.join(' '))
  }
}

/**
 * Sends `signal` to `pid`, its process group and every descendant (one that left the group, as
 * PostgreSQL's backends may not, is still reached through /proc), as the OOM killer or a debugger's
 * SIGSTOP would reach them. Returns the pids signalled, for waitForDeath().
 */
export function signalTree(pid: number, signal: NodeJS.Signals): number[] {
  const family = [pid, ...descendantsOf(pid)]
  killGroup(pid, signal)
  for (const member of family) {
    try {
      process.kill(member, signal)
    } catch {
      // Already gone.
    }
  }
  return family
}

/** Resolves once none of `pids` is alive (zombies count as dead), or after `timeoutMs`; true when all died. */
export async function waitForDeath(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs
  while (pids.some(isProcessAlive)) {
    if (performance.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return true
}

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // The group may be gone already, or the leader may have left it: signal the leader alone.
    try {
      process.kill(pid, signal)
    } catch {
      // Already gone.
    }
  }
}
