/**
 * Finding and killing the browsers a session started. Chromium outlives a killed chromedriver (about
 * ten processes holding keep-alive connections for a minute), so a session's browsers are found by the
 * one thing the browser process carries, the session's own `--user-data-dir`, and then by descent.
 */
import { commandLine, descendantsOf, processTable } from '../services/proc.js'

/** Pids of the processes whose argv holds `arg` exactly, and of all their descendants. Linux only (/proc). */
export async function pidsWithArgument(arg: string): Promise<number[]> {
  const table = processTable()
  const holders = table.filter((p) => commandLine(p.pid).includes(arg)).map((p) => p.pid)
  const found = new Set([...holders, ...descendantsOf(holders, table)])
  found.delete(process.pid)
  return [...found]
}

/** SIGKILLs every process whose argv holds `arg`, and their descendants; returns how many were signalled. */
export async function killProcessesWithArgument(arg: string): Promise<number> {
  let killed = 0
  for (const pid of await pidsWithArgument(arg)) {
    try {
      process.kill(pid, 'SIGKILL')
      killed++
    } catch {
      // Already gone between the scan and the signal.
    }
  }
  return killed
}
