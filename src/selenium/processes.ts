/**
 * Finding and killing the browsers a session started. Chromium outlives a killed chromedriver (about
 * ten processes holding keep-alive connections for a minute), so a session's browsers are found by the
 * one thing the browser process carries, the session's own `--user-data-dir`, and then by descent.
 */
import { readdir, readFile } from 'node:fs/promises'

interface ProcessEntry {
  pid: number
  ppid: number
  argv: string[]
}

async function listProcesses(): Promise<ProcessEntry[]> {
  const entries = await readdir('/proc').catch(() => [] as string[])
  const processes: ProcessEntry[] = []
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const [argv, stat] = await Promise.all([
      readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => ''),
      readFile(`/proc/${entry}/stat`, 'utf8').catch(() => ''),
    ])
    // The command name in field 2 may hold spaces and parentheses: parse after its last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    processes.push({ pid: Number(entry), ppid, argv: argv.split('\0') })
  }
  return processes
}

/** Pids of the processes whose argv holds `arg` exactly, and of all their descendants. Linux only (/proc). */
export async function pidsWithArgument(arg: string): Promise<number[]> {
  const processes = await listProcesses()
  const found = new Set(processes.filter((p) => p.argv.includes(arg)).map((p) => p.pid))
  let grew = found.size > 0
  while (grew) {
    grew = false
    for (const p of processes) {
      if (!found.has(p.pid) && found.has(p.ppid)) {
        found.add(p.pid)
        grew = true
      }
    }
  }
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
