/**
 * What Linux's /proc says about processes: their state (`kill(pid, 0)` succeeds on a zombie, so
 * liveness for lock-file decisions reads the state letter instead), their parents (a crash test or
 * a cleanup kills a whole tree) and their command lines (a session's browsers are found by one).
 * The one reader of the process table: PostgreSQL's cleanup and Selenium's browser cleanup share it.
 */
import { readFileSync, readdirSync } from 'node:fs'

export interface ProcStat {
  pid: number
  /** R, S, D, Z, T, … (`man 5 proc`). */
  state: string
  ppid: number
}

export function readProcStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name sits in parentheses and may itself hold spaces or parentheses.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return { pid, state: fields[0] ?? '?', ppid: Number(fields[1]) }
  } catch {
    return undefined
  }
}

/** Alive means present and not a zombie. Without /proc (not Linux), falls back to signal 0. */
export function isProcessAlive(pid: number): boolean {
  const stat = readProcStat(pid)
  if (stat !== undefined) return stat.state !== 'Z' && stat.state !== 'X'
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Every descendant of `roots` (one pid or several), children before grandchildren, from one
 * snapshot of the process table. The roots themselves are not in the result.
 */
export function descendantsOf(
  roots: number | readonly number[],
  table: readonly ProcStat[] = processTable(),
): number[] {
  const byParent = new Map<number, number[]>()
  for (const stat of table) {
    const siblings = byParent.get(stat.ppid) ?? []
    siblings.push(stat.pid)
    byParent.set(stat.ppid, siblings)
  }
  const seen = new Set<number>(typeof roots === 'number' ? [roots] : roots)
  const found: number[] = []
  const queue = [...seen]
  while (queue.length > 0) {
    for (const child of byParent.get(queue.shift() as number) ?? []) {
      if (seen.has(child)) continue
      seen.add(child)
      found.push(child)
      queue.push(child)
    }
  }
  return found
}

/** The argv a process was started with (/proc/<pid>/cmdline); empty when it is gone or unreadable. */
export function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((arg) => arg !== '')
  } catch {
    return []
  }
}

/** Every process /proc lists now; empty without /proc (not Linux). */
export function processTable(): ProcStat[] {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return []
  }
  const stats: ProcStat[] = []
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const stat = readProcStat(Number(entry))
    if (stat !== undefined) stats.push(stat)
  }
  return stats
}
