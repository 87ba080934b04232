/**
 * What the sampler reads from the operating system: the resident memory of a process tree (an owned
 * service and whatever it forked) from /proc, and the free space of the file system under a path.
 * Every reader answers `undefined` when it cannot read, so a missing metric is absent, never 0.
 *
 * /proc is read synchronously: its files are made in memory and never block, and a synchronous
 * read costs ~0.02 ms where fs/promises' readFile costs ~0.3 ms of CPU (measured here: an fstat
 * and a thread-pool round trip per file); per tick that was most of the sampler's own cost.
 */
import { readFileSync } from 'node:fs'
import { statfs } from 'node:fs/promises'
import { dirname } from 'node:path'

/** At most this many processes are summed: a fork bomb under an owned app must not make a tick slow. */
const MAX_TREE = 256

/** RSS in bytes of `pid` and its descendants (Linux /proc), or undefined when `pid` is gone. */
export function treeRssBytes(pid: number): number | undefined {
  const root = rssBytes(pid)
  if (root === undefined) return undefined
  let total = root
  const queue = childrenOf(pid)
  for (let seen = 1; queue.length > 0 && seen < MAX_TREE; seen++) {
    const child = queue.shift() as number
    total += rssBytes(child) ?? 0
    queue.push(...childrenOf(child))
  }
  return total
}

function rssBytes(pid: number): number | undefined {
  try {
    // VmRSS is in kB whatever the page size; a zombie or kernel thread has none.
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) * 1024 : undefined
  } catch {
    return undefined
  }
}

/** Direct children from /proc/<pid>/task/<pid>/children: one small read instead of a scan of /proc. */
function childrenOf(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    return text
      .split(' ')
      .filter((field) => field !== '')
      .map(Number)
  } catch {
    return []
  }
}

export interface DiskSpace {
  freeBytes: number
  totalBytes: number
}

/**
 * Free (for an unprivileged writer) and total bytes of the file system holding `path`; a path not
 * created yet (the report dir before the first report) is measured at its nearest existing parent.
 */
export async function diskSpace(path: string): Promise<DiskSpace | undefined> {
  for (let dir = path; ; dir = dirname(dir)) {
    try {
      const fs = await statfs(dir)
      return { freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize }
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT' || dirname(dir) === dir) return undefined
    }
  }
}
