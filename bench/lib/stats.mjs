/** Small figures helpers shared by the benchmarks. */
import { availableParallelism, loadavg } from 'node:os'

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

export const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`

/** "met" / "NOT met" for a figure that must stay at or under its target. */
export const verdict = (value, target) => (value <= target ? 'met' : 'NOT met')

/** The machine's load, printed with every figure: wall times grow with it. */
export const machineLoad = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${availableParallelism()} cores`

/** `--quick` and `--name=value` flags of a benchmark's command line. */
export function flags(argv = process.argv.slice(2)) {
  const parsed = { quick: false }
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg)
    if (!match) throw new Error(`unknown argument ${arg}: expected --quick or --name=value`)
    parsed[match[1]] = match[2] ?? true
  }
  return parsed
}

/** A positive integer flag, or its default. */
export function countFlag(parsed, name, fallback) {
  if (parsed[name] === undefined) return fallback
  const value = Number(parsed[name])
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a positive integer, got ${parsed[name]}`)
  return value
}
