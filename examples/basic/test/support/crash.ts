import { readdirSync, readFileSync } from 'node:fs'
import pg from 'pg'

/** SIGKILLs the PostgreSQL server behind `url` and every process under it; returns their pids (Linux). */
export async function crashPostgres(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  // The first line of postmaster.pid is the postmaster's pid (readable by a superuser).
  const { rows } = await client.query("SELECT split_part(pg_read_file('postmaster.pid'), E'\\n', 1)::int AS pid")
  await client.end()
  const postmaster = rows[0].pid as number
  const victims = [postmaster, ...descendants(postmaster)]
  for (const pid of victims) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  return victims
}

function descendants(root: number): number[] {
  const parents = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the name in field 2 may hold spaces, so split after ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = []
  const queue = [root]
  while (queue.length > 0) {
    const parent = queue.shift()!
    for (const [pid, ppid] of parents) {
      if (ppid === parent) {
        found.push(pid)
        queue.push(pid)
      }
    }
  }
  return found
}
