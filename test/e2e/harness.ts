/**
 * Runs a real `vitest run` in a fixture project as a child process, the way a user would, and reads
 * back its exit code, its output and vitest-heal's report.json.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { RunReport } from '../../src/core/report.js'

export const ROOT = resolve(import.meta.dirname, '../..')
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs')
const CLI = join(ROOT, 'dist', 'cli', 'main.js')

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
  output: string
  report: RunReport | undefined
  durationMs: number
}

export interface RunOptions {
  env?: Record<string, string>
  args?: string[]
  timeoutMs?: number
  /** Run through `vitest-heal run` (the Node API wrapper) instead of `vitest run`. */
  wrapper?: boolean
  reportDir?: string
}

export function runVitest(dir: string, options: RunOptions = {}): Promise<RunResult> {
  const reportDir = join(dir, options.reportDir ?? '.vitest-heal')
  rmSync(reportDir, { recursive: true, force: true })
  const argv = options.wrapper
    ? [CLI, 'run', ...(options.args ?? [])]
    : [VITEST, 'run', ...(options.args ?? [])]
  const started = Date.now()
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, argv, {
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
    })
    let stdout = ''
    let stderr = ''
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk
      output += chunk
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk
      output += chunk
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(
        new Error(
          `vitest in ${dir} did not finish in ${options.timeoutMs ?? 120_000} ms:\n${output.slice(-4000)}`,
        ),
      )
    }, options.timeoutMs ?? 120_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      const reportFile = join(reportDir, 'report.json')
      const report = existsSync(reportFile)
        ? (JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport)
        : undefined
      resolvePromise({ code, stdout, stderr, output, report, durationMs: Date.now() - started })
    })
  })
}

/** The tests of a report by name, for assertions that read like the scenario. */
export function byName(report: RunReport | undefined): Map<string, RunReport['tests'][number]> {
  return new Map((report?.tests ?? []).map((t) => [t.name, t]))
}

/** Resolves once `file` holds at least `count` bytes (the fixtures append one per try), or after `timeoutMs`. */
export async function waitForProgress(file: string, count: number, timeoutMs = 60_000): Promise<boolean> {
  const { statSync } = await import('node:fs')
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      if (statSync(file).size >= count) return true
    } catch {
      // not created yet
    }
    await new Promise((r) => setTimeout(r, 10))
  }
  return false
}

/** Runs `vitest-heal <args>` (the built CLI) in `cwd`. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  cwd = join(ROOT, 'test/e2e/fixtures/preflight'),
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now()
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => ((stdout += c), (output += c)))
    child.stderr.on('data', (c: Buffer) => ((stderr += c), (output += c)))
    child.on('error', reject)
    child.on('close', (code) =>
      resolvePromise({ code, stdout, stderr, output, report: undefined, durationMs: Date.now() - started }),
    )
  })
}

/**
 * A generated project in test/e2e/.generated/<name> (inside the package, so `import 'vitest-heal'`
 * resolves to this build): its vitest.config.ts and its test files, written afresh.
 */
export function generatedProject(name: string, config: string, files: Record<string, string>): string {
  const dir = join(ROOT, 'test/e2e/.generated', name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'test'), { recursive: true })
  writeFileSync(join(dir, 'vitest.config.ts'), config)
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, 'test', file), text)
  return dir
}

/**
 * For a generated test file: `waitForGo()` returns once the e2e test has created FIXTURE_GO (at most
 * 30 s). The file imports `existsSync` from node:fs itself.
 */
export const WAIT_FOR_GO = `async function waitForGo(): Promise<void> {
  for (let i = 0; i < 1200 && !existsSync(process.env.FIXTURE_GO!); i++) await new Promise((r) => setTimeout(r, 25))
}`

/**
 * Runs the project with a FIXTURE_READY and a FIXTURE_GO file: once its tests have appended `ready`
 * bytes to FIXTURE_READY (they are where the e2e test wants them), `act` runs — it kills a service,
 * say — and then FIXTURE_GO is created and the tests go on. `go` is that file's path.
 */
export async function runWithGo(
  dir: string,
  env: Record<string, string>,
  ready: number,
  act: () => Promise<void>,
): Promise<{ result: RunResult; go: string }> {
  const scratch = mkdtempSync(join(tmpdir(), 'vitest-heal-go-'))
  const readyFile = join(scratch, 'ready')
  const go = join(scratch, 'go')
  const run = runVitest(dir, { env: { ...env, FIXTURE_READY: readyFile, FIXTURE_GO: go } })
  if (!(await waitForProgress(readyFile, ready))) {
    throw new Error(`the tests of ${dir} never said they were ready (${ready} byte(s) in FIXTURE_READY)`)
  }
  await act()
  writeFileSync(go, '')
  return { result: await run, go }
}
