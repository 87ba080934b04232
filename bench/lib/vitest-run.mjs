/**
 * Runs a real `vitest run` in a generated suite as a child process, the way a user would (argv, no
 * shell), and times it from spawn to exit.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_ROOT } from './dist.mjs'

const VITEST = join(PACKAGE_ROOT, 'node_modules', 'vitest', 'vitest.mjs')
const TICKS_PER_SECOND = 100

/**
 * CPU time (user + system) of every child process this one has reaped, with their own reaped
 * children (Vitest's workers): the difference across one run is that run's CPU time, which the
 * machine's load moves much less than wall time. Linux only (/proc/self/stat cutime, cstime).
 */
function reapedChildrenCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND
  } catch {
    return NaN
  }
}

/**
 * @param {string} dir the suite
 * @param {{ config: string, env?: Record<string, string>, args?: string[], timeoutMs?: number }} options
 * @returns {Promise<{ code: number | null, output: string, wallMs: number, cpuMs: number, report: object | undefined }>}
 *   `report` is vitest-heal's report.json when the run wrote one; `cpuMs` is NaN off Linux.
 */
export function runVitest(dir, options) {
  const reportDir = join(dir, '.vitest-heal')
  rmSync(reportDir, { recursive: true, force: true })
  const timeoutMs = options.timeoutMs ?? 300_000
  const started = performance.now()
  const cpuBefore = reapedChildrenCpuMs()
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [VITEST, 'run', '--config', options.config, ...(options.args ?? [])],
      {
        cwd: dir,
        env: {
          ...process.env,
          NO_COLOR: '1',
          FORCE_COLOR: '0',
          GITHUB_ACTIONS: '',
          CI: 'true',
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`vitest in ${dir} did not finish in ${timeoutMs} ms:\n${output.slice(-4000)}`))
    }, timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      const wallMs = performance.now() - started
      const cpuMs = reapedChildrenCpuMs() - cpuBefore
      const reportFile = join(reportDir, 'report.json')
      const report = existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) : undefined
      resolve({ code, output, wallMs, cpuMs, report })
    })
  })
}
