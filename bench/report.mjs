/**
 * bench/report: 20,000 tests with 2,000 failures and 10 recoveries. Prints the time to build the
 * merged view and write every format (target ≤ 1 s), and the heap growth while doing it (target
 * ≤ 50 MB). Figures, not a pass/fail test: the machine's load moves them.
 *
 *   npm run build && node --expose-gc bench/report.mjs
 *
 * HEAL_DIST=<dir> points at another build of src/ (default: ../dist).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const dist = resolve(process.env.HEAL_DIST ?? new URL('../dist', import.meta.url).pathname)
const { writeReports, REPORTER_NAMES } = await import(pathToFileURL(join(dist, 'reporters/index.js')).href)
const { summarize, runOutcome } = await import(pathToFileURL(join(dist, 'core/outcome.js')).href)

const TESTS = 20_000
const FILES = 400
const RECOVERIES = 10
const START = Date.parse('2026-11-23T10:00:00.000Z')
const RUN_MS = 600_000
const iso = (ms) => new Date(START + ms).toISOString()

function stack(name, message, file, line) {
  const frames = Array.from({ length: 8 }, (_, i) => `    at step${i} (${file}:${line + i}:${7 + i})`)
  return [`${name}: ${message}`, ...frames].join('\n')
}

/** Every tenth test failed at least once: 800 test bugs, 200 unrecovered infra, 500 healed, 500 flaky. */
function makeTest(i) {
  const file = `test/area-${i % FILES}/feature-${i % 37}.test.ts`
  const name = `feature ${i % 37} > scenario ${i} handles its case`
  const at = Math.floor((i / TESTS) * RUN_MS)
  const line = 10 + (i % 300)
  const ok = (ms, pass = 1) => ({ state: 'passed', pass, durationMs: 15, startedAt: iso(ms), errors: [] })
  const failed = (ms, name_, message, verdict, pass = 1) => ({
    state: 'failed',
    pass,
    durationMs: 20,
    startedAt: iso(ms),
    errors: [{ name: name_, message, stack: stack(name_, message, file, line) }],
    hypothesis: verdict,
    verdict,
  })
  const infra = {
    kind: 'infra',
    service: `svc${i % RECOVERIES}`,
    rule: 'pg-connection-refused',
    evidence: 'ECONNREFUSED',
  }
  const base = { file, name, line, cause: null, service: null, rule: null }
  if (i % 10 !== 0) return { ...base, outcome: 'passed', attempts: 1, durationMs: 15, tries: [ok(at)] }
  const kind = (i / 10) % 20
  if (kind < 8) {
    const v = { kind: 'test-bug', rule: 'assertion', evidence: 'AssertionError' }
    return {
      ...base,
      outcome: 'failed',
      cause: 'test-bug',
      rule: 'assertion',
      attempts: 1,
      durationMs: 20,
      tries: [failed(at, 'AssertionError', `expected ${i} to be ${i + 1}`, v)],
    }
  }
  if (kind < 10) {
    const tries = [
      failed(at, 'Error', 'connect ECONNREFUSED 127.0.0.1:5432', infra),
      failed(at + 500, 'Error', 'connect ECONNREFUSED 127.0.0.1:5432', infra, 2),
    ]
    return {
      ...base,
      outcome: 'failed',
      cause: 'infra',
      service: infra.service,
      rule: infra.rule,
      attempts: 2,
      durationMs: 40,
      tries,
    }
  }
  if (kind < 15) {
    const tries = [failed(at, 'Error', 'Connection terminated unexpectedly', infra), ok(at + 300)]
    return {
      ...base,
      outcome: 'healed',
      cause: 'infra',
      service: infra.service,
      rule: infra.rule,
      attempts: 2,
      durationMs: 35,
      tries,
    }
  }
  const v = { kind: 'flaky', rule: 'timeout', evidence: 'timed out' }
  return {
    ...base,
    outcome: 'flaky',
    rule: 'timeout',
    attempts: 2,
    durationMs: 5035,
    tries: [failed(at, 'TimeoutError', 'Test timed out in 5000ms.', v), ok(at + 5020)],
  }
}

function makeReport() {
  const tests = Array.from({ length: TESTS }, (_, i) => makeTest(i))
  const recoveries = Array.from({ length: RECOVERIES }, (_, i) => ({
    service: `svc${i}`,
    strategy: 'restart',
    ok: i !== 9,
    trigger: 'inline',
    startedAt: iso(i * 60_000 + 1_000),
    durationMs: 310 + i * 10,
    requests: 3 + i,
    ...(i === 9 ? { error: 'server exited with code 1' } : {}),
  }))
  const timeline = recoveries.flatMap((r, i) => [
    { service: r.service, at: iso(0), state: 'healthy' },
    {
      service: r.service,
      at: iso(i * 60_000 + 980),
      state: 'down',
      detail: 'connect ECONNREFUSED 127.0.0.1:5432',
    },
    { service: r.service, at: r.startedAt, state: 'recovering' },
    { service: r.service, at: iso(i * 60_000 + 1_000 + r.durationMs), state: r.ok ? 'healthy' : 'broken' },
  ])
  const summary = summarize(tests)
  return {
    version: 1,
    outcome: runOutcome(summary),
    summary,
    tests,
    recoveries,
    timeline,
    startedAt: iso(0),
    durationMs: RUN_MS,
    vitestVersion: '4.1.12',
  }
}

const report = makeReport()
const failures = report.tests.filter((t) => t.tries.some((x) => x.state === 'failed')).length
const sink = { isTTY: false, write: () => true }
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1)

/** One writeReports call in a fresh directory: wall time and heap growth (no GC inside). */
function measure(reporters) {
  const reportDir = mkdtempSync(join(tmpdir(), 'heal-bench-report-'))
  const env = { GITHUB_STEP_SUMMARY: join(reportDir, 'step-summary.md') }
  globalThis.gc?.()
  const heapBefore = process.memoryUsage().heapUsed
  const t0 = process.hrtime.bigint()
  const cpu0 = process.cpuUsage()
  const result = writeReports(report, { reportDir, reporters, stdout: sink, env })
  const cpu = process.cpuUsage(cpu0)
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  const cpuMs = (cpu.user + cpu.system) / 1000
  const growth = process.memoryUsage().heapUsed - heapBefore
  globalThis.gc?.()
  const retained = process.memoryUsage().heapUsed - heapBefore
  const sizes = ['report.json', 'junit.xml', 'index.html']
    .filter((f) => reporters.includes(f === 'report.json' ? 'json' : f === 'junit.xml' ? 'junit' : 'html'))
    .map((f) => `${f} ${mb(statSync(join(reportDir, f)).size)} MB`)
  rmSync(reportDir, { recursive: true, force: true })
  if (result.failed.length) throw new Error(`reporters failed: ${JSON.stringify(result.failed)}`)
  return { ms, cpuMs, growth, retained, sizes }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const ROUNDS = 5
console.log(
  `bench/report: ${report.tests.length} tests, ${failures} with failures, ${report.recoveries.length} recoveries; ${ROUNDS} rounds, median`,
)
const all = Array.from({ length: ROUNDS }, () => measure([...REPORTER_NAMES]))
console.log(`  files: ${all[0].sizes.join(', ')}`)
for (const name of REPORTER_NAMES) {
  const runs = Array.from({ length: 3 }, () => measure([name]))
  console.log(
    `  ${name.padEnd(8)} alone (incl. building the view): ${median(runs.map((r) => r.ms)).toFixed(0)} ms wall, ${median(runs.map((r) => r.cpuMs)).toFixed(0)} ms CPU`,
  )
}
console.log(
  `  build view + write every format: ${median(all.map((r) => r.ms)).toFixed(0)} ms wall, ${median(all.map((r) => r.cpuMs)).toFixed(0)} ms CPU (wall per round: ${all.map((r) => r.ms.toFixed(0)).join(', ')}; target ≤ 1000 ms)`,
)
console.log(
  `  load average while measuring: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${availableParallelism()} cores (wall time grows with it, CPU time much less)`,
)
console.log(
  `  heap growth while writing: ${mb(median(all.map((r) => r.growth)))} MB, retained after GC: ${mb(median(all.map((r) => r.retained)))} MB (target ≤ 50 MB)${globalThis.gc ? '' : ' [run with --expose-gc for a clean baseline]'}`,
)
