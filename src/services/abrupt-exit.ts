/**
 * What must happen however the run ends: owned processes killed, then their scratch files removed.
 * A normal end stops them properly (teardown); this covers the others: `process.exit()`, and the
 * termination signals. Vitest's own SIGINT/SIGTERM handler runs once and exits a millisecond later,
 * so a second signal (a process manager that signals the process and then its group, as GNU
 * `timeout` does, or Ctrl-C pressed twice) used to end the run without an 'exit' event, leaving an
 * owned PostgreSQL and app server running. Our listener stays, kills first, and ends the process the
 * way the signal would have when no other listener is left to do it.
 *
 * Everything here is synchronous: an 'exit' listener cannot await, and SIGKILL cannot be refused.
 */
type Work = () => void

const kills = new Set<Work>()
const cleanups = new Set<Work>()
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
let installed = false

/** Runs `work` if the process ends before the returned function is called. */
export function onAbruptExit(phase: 'kill' | 'cleanup', work: Work): () => void {
  install()
  const set = phase === 'kill' ? kills : cleanups
  set.add(work)
  return () => set.delete(work)
}

function runAll(): void {
  for (const phase of [kills, cleanups]) {
    for (const work of [...phase]) {
      phase.delete(work)
      try {
        work()
      } catch {
        // Best effort: one failure must not keep the others from running.
      }
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runAll()
  if (process.listenerCount(signal) > 1) return // someone else (Vitest) ends the process
  process.removeListener(signal, onSignal)
  process.kill(process.pid, signal)
}

function install(): void {
  if (installed) return
  installed = true
  process.once('exit', runAll)
  for (const signal of SIGNALS) process.on(signal, onSignal)
}
