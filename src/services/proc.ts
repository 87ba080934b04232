/**
 * What Linux's /proc says about a process. `kill(pid, 0)` succeeds on a zombie, so liveness for
 * lock-file decisions has to read the state letter instead.
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

/** Every live descendant of `pid`, children before grandchildren. */
export function descendantsOf(pid: number): number[] {
  const byParent = new Map<number, number[]>()
  for (const stat of allProcStats()) {
    const siblings = byParent.get(stat.ppid) ?? []
    siblings.push(stat.pid)
    byParent.set(stat.ppid, siblings)
  }
  const found: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    const children = byParent.get(queue.shift() as number) ?? []
    found.push(...children)
    queue.push(...children)
  }
  return found
}

function allProcStats(): ProcStat[] {
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
