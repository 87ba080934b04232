/**
 * Process faults (issue 13): what `kill`, `stop`, `restart` and `pause` do to a service. An owned
 * service's own process tree is acted on directly; an external one through the argv commands the
 * user gave (`services.<name>.chaos`), which also win over an owned process when given. A fault that
 * cannot be applied comes back as `{ error }` for the scorecard: it never throws into the run.
 */
import type { PlannedFault, ProcessFaultKind } from '../core/fault.js'
import { PROCESS_FAULT_KINDS } from '../core/chaos-plan.js'
import { runCommand as defaultRunCommand, type RunCommandOptions } from '../recoveries/run-command.js'
import { isProcessAlive, readProcStat } from '../services/proc.js'
import { signalTree, waitForDeath } from '../services/owned-process.js'
import type { Service } from '../services/types.js'

/** A pause with no duration: long enough to be a hang to a test, short enough not to stall the run. */
export const DEFAULT_PAUSE_MS = 5_000
/** How long a stop may take before it is called done anyway (a graceful stop may wait on clients). */
const STOP_GRACE_MS = 10_000
/** Longest wait for a SIGKILLed tree to be gone. */
const KILL_WAIT_MS = 5_000
const COMMAND_TIMEOUT_MS = 30_000
/** Longest wait for SIGSTOP to reach every process of the tree. */
const STOP_SETTLE_MS = 1_000

export interface ProcessFaultOptions {
  /** Runs an external service's chaos command (argv, no shell). Default: recoveries/run-command.ts. */
  runCommand?: (argv: readonly string[], options: RunCommandOptions) => Promise<void>
  /** Aborting ends a pause at once (the run is ending): SIGCONT, or the `resume` command. */
  signal?: AbortSignal
  now?: () => number
}

export interface ProcessFaultResult {
  /** Why the fault could not be applied. */
  error?: string
  /** For a pause: settles with the epoch ms the service was resumed. */
  endedAt?: Promise<number>
}

/** Applies `fault` to `service`; resolves once it is in place (a pause: once the tree is stopped). */
export async function applyProcessFault(
  service: Service,
  fault: Pick<PlannedFault, 'kind' | 'params'>,
  options: ProcessFaultOptions = {},
): Promise<ProcessFaultResult> {
  const kind = fault.kind as ProcessFaultKind
  if (!PROCESS_FAULT_KINDS.includes(kind)) return { error: `${fault.kind} is not a process fault` }
  const pauseMs = fault.params.durationMs ?? DEFAULT_PAUSE_MS
  try {
    if (service.chaos?.[kind] !== undefined) return await byCommands(service, kind, pauseMs, options)
    if (service.owned !== undefined) return await onOwnedTree(service, kind, pauseMs, options)
    return {
      error: `services.${service.name} is not run by vitest-heal and has no chaos.${kind} command`,
    }
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) }
  }
}

async function byCommands(
  service: Service,
  kind: ProcessFaultKind,
  pauseMs: number,
  options: ProcessFaultOptions,
): Promise<ProcessFaultResult> {
  const run = (argv: readonly string[]): Promise<void> =>
    (options.runCommand ?? defaultRunCommand)(argv, { timeoutMs: COMMAND_TIMEOUT_MS })
  await run(service.chaos?.[kind] as string[])
  if (kind !== 'pause') return {}
  const resume = service.chaos?.resume
  if (resume === undefined) return { error: `services.${service.name} has chaos.pause but no chaos.resume` }
  return { endedAt: after(pauseMs, options, () => run(resume)) }
}

async function onOwnedTree(
  service: Service,
  kind: ProcessFaultKind,
  pauseMs: number,
  options: ProcessFaultOptions,
): Promise<ProcessFaultResult> {
  const owned = service.owned
  const pid = owned?.pid?.()
  if (owned === undefined || pid === undefined || !isProcessAlive(pid)) {
    return { error: `services.${service.name} has no running process to ${kind}` }
  }
  switch (kind) {
    case 'kill': {
      // As the OOM killer would: no chance to clean up, children too (a live backend would hold
      // PostgreSQL's shared memory and make the restart fail).
      const family = signalTree(pid, 'SIGKILL')
      if (!(await waitForDeath(family, KILL_WAIT_MS)))
        return {
          error: `services.${service.name}: processes ${family.filter(isProcessAlive).join(', ')} outlived SIGKILL`,
        }
      return {}
    }
    case 'stop':
      await stopGracefully(service, pid)
      return {}
    case 'restart':
      if (!(await stopGracefully(service, pid))) await waitForDeath(signalTree(pid, 'SIGKILL'), KILL_WAIT_MS)
      // The owner learns of the exit from Node's 'exit' event, which on a loaded machine comes after
      // /proc says the process is gone; a start() before it would find it "running" and do nothing.
      await settled(() => !owned.isRunning(), KILL_WAIT_MS)
      await owned.start()
      return {}
    case 'pause': {
      await allStopped(signalTree(pid, 'SIGSTOP'))
      return {
        // A stopped process cannot fork: the tree resumed is the tree stopped.
        endedAt: after(pauseMs, options, async () => void signalTree(pid, 'SIGCONT')),
      }
    }
  }
}

/** A signal is delivered asynchronously: the pause is in place once no process of it still runs. */
async function allStopped(pids: readonly number[]): Promise<void> {
  const running = (pid: number): boolean => {
    const state = readProcStat(pid)?.state
    return state !== undefined && state !== 'T' && state !== 't' && state !== 'Z' && state !== 'X'
  }
  await settled(() => !pids.some(running), STOP_SETTLE_MS)
}

/** Polls `done` every 5 ms until it holds or `timeoutMs` passed. */
async function settled(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!done() && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * The service's own graceful stop: SIGINT for PostgreSQL (what `pg_ctl stop` sends: fast shutdown;
 * SIGTERM would wait for every client to leave), SIGTERM otherwise. True once the tree is gone.
 */
async function stopGracefully(service: Service, pid: number): Promise<boolean> {
  const family = signalTree(pid, service.kind === 'postgres' ? 'SIGINT' : 'SIGTERM')
  return waitForDeath(family, STOP_GRACE_MS)
}

/** Runs `end` after `ms` (or at once when `signal` aborts); settles with the time it ran. */
function after(ms: number, options: ProcessFaultOptions, end: () => Promise<void>): Promise<number> {
  const now = options.now ?? Date.now
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    const { signal } = options
    if (signal?.aborted) resolve()
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        resolve()
      },
      { once: true },
    )
  })
    .then(end)
    .then(() => now())
}
