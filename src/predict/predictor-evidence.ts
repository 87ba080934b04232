/**
 * A test that timed out on every try while the host was overloaded is not a plain test bug: its
 * tries' verdict evidence says how loaded the host was then (load against cores, free memory), read
 * from the sampler's host samples. Only the evidence changes — the outcome stays failed: a slow
 * machine explains a timeout, it does not excuse it.
 */
import type { Sample } from '../core/prediction.js'
import type { RunReport, TryRecord } from '../core/report.js'

/** Load per core at or above this, or free memory under this share, is an overloaded host. */
export const OVERLOAD_LOAD_PER_CORE = 1.5
export const OVERLOAD_FREE_MEMORY_SHARE = 0.05

const TIMEOUT = /timed? ?out/i

/** What the host looked like between `fromMs` and `toMs` when it was overloaded then; undefined otherwise. */
export function overloadAt(host: readonly Sample[], fromMs: number, toMs: number): string | undefined {
  // The sample just before the try counts too: at 1 s intervals a short try may fall between two.
  const within = host.filter((s) => s.at <= toMs && s.at >= fromMs - 2_000)
  let worst: { load: number; cores: number; free?: number; total?: number } | undefined
  for (const sample of within) {
    const m = sample.metrics
    const load = m['host.load1']
    const cores = m['host.cores']
    if (load === undefined || cores === undefined || !(cores > 0)) continue
    if (!worst || load / cores > worst.load / worst.cores)
      worst = { load, cores, free: m['host.freeMemBytes'], total: m['host.totalMemBytes'] }
  }
  const lowMemory = within.find((s) => {
    const free = s.metrics['host.freeMemBytes']
    const total = s.metrics['host.totalMemBytes']
    return free !== undefined && total !== undefined && total > 0 && free / total < OVERLOAD_FREE_MEMORY_SHARE
  })
  const loaded = worst !== undefined && worst.load / worst.cores >= OVERLOAD_LOAD_PER_CORE
  if (!loaded && !lowMemory) return undefined
  const parts: string[] = []
  if (worst) parts.push(`load ${worst.load.toFixed(1)} on ${worst.cores} cores`)
  const memory =
    lowMemory?.metrics ??
    (worst ? { 'host.freeMemBytes': worst.free, 'host.totalMemBytes': worst.total } : {})
  const free = memory['host.freeMemBytes']
  const total = memory['host.totalMemBytes']
  if (free !== undefined && total !== undefined) parts.push(`${mb(free)} of ${mb(total)} memory free`)
  return `host overloaded during this try: ${parts.join(', ')}`
}

/**
 * Adds the host's load to the verdict evidence of every try of each failed test whose every try
 * timed out while the host was overloaded. Returns how many tests it marked.
 */
export function markOverloadedTimeouts(report: RunReport, host: readonly Sample[]): number {
  if (host.length === 0) return 0
  let marked = 0
  for (const test of report.tests) {
    const tries = test.tries ?? []
    if (test.outcome !== 'failed' || tries.length === 0) continue
    if (!tries.every((t) => t.state === 'failed' && timedOut(t))) continue
    const notes = tries.map((t) => {
      const from = t.startedAt ? Date.parse(t.startedAt) : NaN
      return Number.isNaN(from) ? undefined : overloadAt(host, from, from + t.durationMs)
    })
    if (!notes.every((n) => n !== undefined)) continue
    tries.forEach((t, i) => {
      if (t.verdict) t.verdict = { ...t.verdict, evidence: `${t.verdict.evidence} — ${notes[i]}` }
    })
    marked++
  }
  return marked
}

function timedOut(t: TryRecord): boolean {
  return t.errors.some((e) => TIMEOUT.test(e.message)) || TIMEOUT.test(t.verdict?.evidence ?? '')
}

function mb(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MB`
}
