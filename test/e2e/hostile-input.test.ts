/**
 * Issue 11, "it must never hang": real `vitest run`s of generated projects that throw what users'
 * tests and machines throw at vitest-heal. Each used to hang or leak: a million-character error
 * message (quadratic redaction: no report, deaf to SIGTERM), a report directory under /proc
 * (Node's recursive mkdir spins for ever there), and a run ended by SIGTERM (its control socket
 * and directory stayed in /tmp).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, expect, test } from 'vitest'
import { MAX_REDACTED_LENGTH } from '../../src/core/redact.js'
import { byName, generatedProject, ROOT, runVitest } from './harness.js'

const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs')
const scratch = mkdtempSync(join(tmpdir(), 'heal-hostile-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function project(name: string, healOptions: string, tests: string): string {
  return generatedProject(
    name,
    `import { defineConfig } from 'vitest/config'
import { heal } from 'vitest-heal'

export default defineConfig({
  plugins: [heal({ ${healOptions} })],
  test: { include: ['test/**/*.test.ts'] },
})
`,
    { 'a.test.ts': `import { expect, test } from 'vitest'\n${tests}` },
  )
}

test(
  'a test that throws a 1,000,000-character message: the run ends at once, the message capped in report.json',
  { timeout: 120_000 },
  async () => {
    const dir = project(
      'huge-message',
      '',
      `test('huge body', () => {
  throw new Error('unexpected body: ' + 'x'.repeat(1_000_000) + ' password=hunter2')
})
test('fine', () => expect(1).toBe(1))
`,
    )
    const result = await runVitest(dir, { timeoutMs: 90_000 })
    expect(result.code, result.output.slice(-2000)).toBe(1)
    // It used to take for ever (n = 100,000 alone took 25 s); this bound only guards against that.
    expect(result.durationMs).toBeLessThan(60_000)
    const tests = byName(result.report)
    expect(tests.get('fine')).toMatchObject({ outcome: 'passed' })
    const huge = tests.get('huge body')
    expect(huge).toMatchObject({ outcome: 'failed', cause: 'test-bug' })
    const error = huge!.tries!.at(-1)!.errors[0]!
    expect(error.message.length).toBeLessThanOrEqual(MAX_REDACTED_LENGTH)
    expect(error.message).toMatch(
      /^unexpected body: x+\n… \[\d+ characters cut by vitest-heal\] …\nx+ password=\*\*\*$/,
    )
    expect(JSON.stringify(result.report)).not.toContain('hunter2')
  },
)

test(
  "reportDir: '/proc/nope': one clear line per file report, the run's own result",
  { timeout: 120_000 },
  async () => {
    const dir = project(
      'proc-report-dir',
      "reportDir: '/proc/nope'",
      `test('fine', () => expect(1).toBe(1))\n`,
    )
    const result = await runVitest(dir, { timeoutMs: 90_000 })
    expect(result.code, result.output.slice(-2000)).toBe(0)
    const lines = result.output.split('\n').filter((l) => l.includes('could not be written'))
    expect(lines).toEqual(
      ['json', 'junit', 'html'].map(
        (name) =>
          `vitest-heal: the ${name} report could not be written: cannot create the report directory /proc/nope: ENOENT: no such file or directory, mkdir '/proc/nope'`,
      ),
    )
  },
)

test(
  'a run sent SIGTERM ends, and its control socket directory goes with it',
  { timeout: 120_000 },
  async () => {
    const started = join(scratch, 'started')
    const dir = project(
      'sigterm',
      '',
      `import { writeFileSync } from 'node:fs'
test('slow', async () => {
  writeFileSync(${JSON.stringify(started)}, '')
  await new Promise((resolve) => setTimeout(resolve, 60_000))
}, 90_000)
`,
    )
    // A private TMPDIR: the run's socket directory is the only vitest-heal-* entry that can appear in it.
    const tmp = join(scratch, 'tmp')
    mkdirSync(tmp)
    const child = spawn(process.execPath, [VITEST, 'run'], {
      cwd: dir,
      env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1', GITHUB_ACTIONS: '', CI: 'true' },
      stdio: 'ignore',
    })
    const exited = new Promise<unknown>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? code)),
    )
    for (let waited = 0; !existsSync(started) && waited < 60_000; waited += 50) await sleep(50)
    expect(existsSync(started)).toBe(true)
    expect(readdirSync(tmp).filter((name) => /^vitest-heal-[^l]/.test(name))).toHaveLength(1)
    const signalledAt = Date.now()
    child.kill('SIGTERM')
    const timeout = sleep(30_000).then(() => 'still running')
    const ended = await Promise.race([exited, timeout])
    if (ended === 'still running') child.kill('SIGKILL')
    expect(ended).not.toBe('still running')
    expect(Date.now() - signalledAt).toBeLessThan(30_000)
    expect(readdirSync(tmp).filter((name) => /^vitest-heal-[^l]/.test(name))).toEqual([])
  },
)
