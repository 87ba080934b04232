/**
 * bench/predict (issue 14, "Prediction" and "Acting first"): seeded runs of a small generated suite
 * against a real PostgreSQL (max_connections 20) while a fault develops, each fault seed run twice:
 *   act      predict { hold: true, relieve: true }: the predictions are acted on;
 *   observe  predict { hold: false, relieve: false }: the same predictions are made and reported,
 *            nothing is done first (what the run would have been without acting first).
 * Faults, from the seed: slow ones — `leak` (idle connections opened until max_connections),
 * `latency` (a latency toxic on a fault proxy in front of the server, growing past the clients'
 * 2 s timeout, held, then removed), `disk` (the data directory on a small tmpfs that a file fills,
 * held full, then freed) — and a fast one, `sigkill` (the postmaster and its children, recovered by
 * pgCtl). `healthy` runs have no fault: every alarm there is false, and the run must stay green.
 *
 * Prints, from the observe runs: recall of slow faults (a prediction of the fault's kind that came
 * true with a lead > 0), the lead times (median), precision of the alarms; from the healthy runs:
 * false alarms per run; and test failures (failed tries) acting first avoided against the same
 * seeds observed. Targets (issue 14): slow-fault recall ≥ 80 %, median lead ≥ 5 s, ≥ 50 % of their
 * failures avoided, ≤ 1 false alarm per 10 healthy runs. Missed targets are printed as missed.
 *
 *   npm run build && node bench/predict.mjs             # 10 scenarios (~9 min at load 11 on 2 cores)
 *   node bench/predict.mjs --runs=20 --seed=7 --interval=500
 *   node bench/predict.mjs --runs=2 --kinds=latency,disk      # only these scenarios, in turn
 *
 * Needs root for the tmpfs (`mount -t tmpfs`); without it the disk scenarios are skipped and say so.
 */
import { execFileSync } from 'node:child_process'
import { appendFileSync, mkdirSync, openSync, closeSync, rmSync, statSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { importDist } from './lib/dist.mjs'
import { writeSuite } from './lib/generated.mjs'
import { countFlag, flags, machineLoad, median, verdict } from './lib/stats.mjs'
import { runVitest } from './lib/vitest-run.mjs'

const { createPostgresServer } = await importDist('services/postgres-server.js')
const { startFaultProxy } = await importDist('chaos/proxy.js')
// The project's one seeded generator: the same fault for the same seed in both arms.
const { seededRandom } = await importDist('core/seeded-random.js')

const options = flags()
const runs = countFlag(options, 'runs', 10)
const seed = countFlag(options, 'seed', 1)
const intervalMs = countFlag(options, 'interval', 500)
const MAX_CONNECTIONS = 20
const CLIENT_TIMEOUT_MS = 2000
/** Per 10 scenarios: 6 slow faults, 1 fast, 3 healthy. */
const MIX = options.kinds
  ? String(options.kinds).split(',')
  : ['leak', 'latency', 'disk', 'healthy', 'leak', 'latency', 'disk', 'sigkill', 'healthy', 'healthy']
const SLOW = new Set(['leak', 'latency', 'disk'])
const EXPECTED = { leak: 'saturation', latency: 'timeout', disk: 'disk-full' }

const CONFIG = `import { defineConfig } from 'vitest/config'
import { heal, pgCtl, pgTerminateIdle, postgres } from 'vitest-heal'

const act = process.env.BENCH_ACT === '1'
export default defineConfig({
  plugins: [
    heal({
      services: {
        db: postgres({
          url: process.env.BENCH_PG_URL,
          env: 'DATABASE_URL',
          checkTimeout: ${CLIENT_TIMEOUT_MS},
          tests: ['test/db-*.test.ts'],
          recover: [pgTerminateIdle(), pgCtl(process.env.BENCH_PG_DATA)],
        }),
      },
      predict: { interval: Number(process.env.BENCH_INTERVAL), hold: act, relieve: act },
      history: false,
      status: false,
    }),
  ],
  test: { include: ['test/**/*.test.ts'], maxWorkers: 1, testTimeout: 20_000 },
})
`

/** Each test: a fresh connection (2 s timeouts, as the service's), one insert of 64 kB, a pause. */
const dbFile = (name) => `import { appendFileSync } from 'node:fs'
import pg from 'pg'
import { expect, test } from 'vitest'

for (let i = 0; i < 10; i++) {
  test('${name} ' + i, async () => {
    appendFileSync(process.env.BENCH_PROGRESS, '.')
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: ${CLIENT_TIMEOUT_MS}, query_timeout: ${CLIENT_TIMEOUT_MS} })
    client.on('error', () => {})
    await client.connect()
    try {
      await client.query('create table if not exists rows (v text)')
      // 64 kB that does not compress: new pages (and TOAST) every time, which a full disk refuses.
      await client.query("insert into rows select string_agg(md5(random()::text), '') from generate_series(1, 2000)")
      expect((await client.query('select 1 as one')).rows[0].one).toBe(1)
    } finally {
      await client.end().catch(() => {})
    }
    await new Promise((r) => setTimeout(r, 600))
  })
}
`

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function firstTest(progress, stop) {
  while (!stop.stopped) {
    try {
      if (statSync(progress).size > 0) return true
    } catch {
      // not yet
    }
    await sleep(50)
  }
  return false
}

/** The fault of one scenario, from its seed: started once the first test ran, stopped at the end. */
function planFault(kind, random) {
  return {
    kind,
    delayMs: 1000 + random() * 1500,
    rampMs: 9000 + random() * 5000,
    holdMs: 3000 + random() * 2000,
    killAtMs: 3000 + random() * 4000,
  }
}

async function runFault(plan, ctx, stop) {
  if (!(await firstTest(ctx.progress, stop))) return
  await sleep(plan.delayMs)
  if (stop.stopped) return
  const started = Date.now()
  if (plan.kind === 'leak') {
    // From the connections open now to max_connections over the ramp: idle sessions that are never closed.
    const perSecond = (MAX_CONNECTIONS - 2) / (plan.rampMs / 1000)
    while (!stop.stopped) {
      const client = new pg.Client({ connectionString: ctx.directUrl, connectionTimeoutMillis: 2000 })
      client.on('error', () => {})
      ctx.clients.push(client)
      await client.connect().catch(() => {})
      await sleep(1000 / perSecond)
    }
  } else if (plan.kind === 'latency') {
    // Latency toxics stacked one on another (each delays what the one before let through): removing
    // one releases what it holds at once, so a ramp made by replacing one toxic would never delay
    // anything by more than the step. Removed together at the end of the hold.
    const top = CLIENT_TIMEOUT_MS * 1.4
    const steps = 14
    const toxics = []
    try {
      for (let i = 1; i <= steps && !stop.stopped; i++) {
        toxics.push(ctx.proxy.addToxic('latency', { latency: Math.round(top / steps) }))
        await sleep(plan.rampMs / steps)
      }
      const holdUntil = started + plan.rampMs + plan.holdMs
      while (!stop.stopped && Date.now() < holdUntil) await sleep(100)
    } finally {
      for (const id of toxics) ctx.proxy.removeToxic(id)
    }
  } else if (plan.kind === 'disk') {
    // Fills the tmpfs over the ramp, holds it full, then frees it.
    const file = join(ctx.mount, 'filler')
    const fd = openSync(file, 'w')
    const chunk = Buffer.alloc(256 * 1024, 1)
    try {
      const free = ctx.freeBytes()
      const perTick = Math.max(chunk.length, Math.floor((free / plan.rampMs) * 250))
      while (!stop.stopped && Date.now() - started < plan.rampMs + plan.holdMs) {
        try {
          for (let written = 0; written < perTick; written += chunk.length) writeSync(fd, chunk)
        } catch {
          // ENOSPC: full, held until the hold ends
        }
        await sleep(250)
      }
    } finally {
      closeSync(fd)
      rmSync(file, { force: true })
    }
  } else if (plan.kind === 'sigkill') {
    await sleep(plan.killAtMs)
    if (!stop.stopped) await ctx.server.killHard()
  }
}

/** One run of the suite under one scenario and one arm. */
async function runOnce(suite, scenario, act, index) {
  const scratch = join(tmpdir(), `vh-bench-predict-${process.pid}-${index}-${act ? 'a' : 'o'}`)
  mkdirSync(scratch, { recursive: true })
  let mount
  if (scenario.kind === 'disk') {
    mount = join(scratch, 'disk')
    mkdirSync(mount)
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=80m,mode=1777', 'tmpfs', mount])
  }
  const server = await createPostgresServer({
    ...(mount ? { baseDir: mount } : {}),
    settings: { max_connections: MAX_CONNECTIONS, fsync: 'off' },
  })
  const ctx = { server, clients: [], mount, progress: join(scratch, 'progress'), directUrl: server.url }
  try {
    await server.start()
    let url = server.url
    if (scenario.kind === 'latency') {
      ctx.proxy = await startFaultProxy({ upstream: { host: server.host, port: server.port } })
      url = `postgres://postgres@${ctx.proxy.host}:${ctx.proxy.port}/postgres`
    }
    if (mount) {
      ctx.freeBytes = () => {
        const out = execFileSync('df', ['-B1', '--output=avail', mount], { encoding: 'utf8' })
        return Number(out.trim().split('\n').at(-1))
      }
    }
    appendFileSync(ctx.progress, '')
    const stop = { stopped: false }
    const fault = scenario.kind === 'healthy' ? Promise.resolve() : runFault(scenario.plan, ctx, stop)
    const result = await runVitest(suite, {
      config: 'vitest.config.ts',
      env: {
        BENCH_PG_URL: url,
        BENCH_PG_DATA: server.dataDir,
        BENCH_PROGRESS: ctx.progress,
        BENCH_ACT: act ? '1' : '0',
        BENCH_INTERVAL: String(intervalMs),
      },
      timeoutMs: 240_000,
    })
    stop.stopped = true
    await fault.catch((error) => console.log(`    the fault failed: ${error.stack ?? error}`))
    return summarize(result)
  } finally {
    await Promise.all(ctx.clients.map((c) => c.end().catch(() => {})))
    await ctx.proxy?.close()
    await server.destroy().catch(() => {})
    if (mount) execFileSync('umount', ['-l', mount])
    rmSync(scratch, { recursive: true, force: true })
  }
}

function summarize(result) {
  const report = result.report
  const tests = report?.tests ?? []
  return {
    code: result.code,
    outcome: report?.outcome ?? 'no report',
    wallMs: result.wallMs,
    failedTries: tests.reduce((n, t) => n + t.tries.filter((x) => x.state === 'failed').length, 0),
    failedTests: tests.filter((t) => t.outcome === 'failed').length,
    predictions: report?.predictions ?? [],
    tail: result.output.slice(-1500),
  }
}

function canMount() {
  const probe = join(tmpdir(), `vh-bench-mount-${process.pid}`)
  mkdirSync(probe, { recursive: true })
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' })
    execFileSync('umount', [probe])
    return true
  } catch {
    return false
  } finally {
    rmSync(probe, { recursive: true, force: true })
  }
}

const pct = (n, d) => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(0)} %`)
const sec = (ms) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`)

const mountable = canMount()
const scenarios = []
for (let i = 0; i < runs; i++) {
  let kind = MIX[i % MIX.length]
  if (kind === 'disk' && !mountable) kind = 'leak'
  scenarios.push({ index: i, kind, plan: planFault(kind, seededRandom(seed * 1000 + i)) })
}

const files = {
  'vitest.config.ts': CONFIG,
  'test/db-a.test.ts': dbFile('a'),
  'test/db-b.test.ts': dbFile('b'),
  'test/db-c.test.ts': dbFile('c'),
  'test/free.test.ts': `import { expect, test } from 'vitest'\nfor (let i = 0; i < 3; i++) test('free ' + i, () => expect(i + 1).toBeGreaterThan(i))\n`,
}
const suite = await writeSuite('predict', files)

console.log(
  `predict: ${runs} seeded scenarios (seed ${seed}), sampler every ${intervalMs} ms, PostgreSQL max_connections ${MAX_CONNECTIONS}, client timeouts ${CLIENT_TIMEOUT_MS} ms`,
)
if (!mountable) console.log('  tmpfs cannot be mounted here (not root?): disk scenarios replaced by leaks')
console.log(`  before: ${machineLoad()}`)

const rows = []
for (const scenario of scenarios) {
  const arms = scenario.kind === 'healthy' ? [true] : [false, true]
  const row = { ...scenario }
  for (const act of arms) {
    const result = await runOnce(suite, scenario, act, scenario.index)
    row[act ? 'act' : 'observe'] = result
  }
  rows.push(row)
  const o = row.observe
  const a = row.act
  console.log(
    `  #${String(row.index).padStart(2)} ${row.kind.padEnd(7)} ` +
      (o
        ? `observe: ${o.failedTries} failed tries, predictions [${o.predictions.map((p) => `${p.failure}:${p.cameTrue === undefined ? 'open' : p.cameTrue ? `came after ${sec(p.observedLeadMs)}` : 'false'}`).join(', ')}]; `
        : '') +
      `act: ${a.failedTries} failed tries, ${a.predictions.length} prediction(s) [${a.predictions.map((p) => `${p.failure}:${p.actions.join('+')}`).join(', ')}], ${a.outcome}` +
      ` (${sec(a.wallMs)})`,
  )
  if (row.kind === 'healthy' && a.outcome !== 'passed') console.log(`    HEALTHY RUN NOT GREEN:\n${a.tail}`)
}

const slow = rows.filter((r) => SLOW.has(r.kind))
const fast = rows.filter((r) => r.kind === 'sigkill')
const healthy = rows.filter((r) => r.kind === 'healthy')
const hits = slow
  .map((r) =>
    r.observe.predictions.find((p) => p.failure === EXPECTED[r.kind] && p.cameTrue && p.observedLeadMs > 0),
  )
  .filter(Boolean)
const leads = hits.map((p) => p.observedLeadMs)
const judged = rows
  .flatMap((r) => (r.observe ? r.observe.predictions : []))
  .filter((p) => p.cameTrue !== undefined)
const truePositives = judged.filter((p) => p.cameTrue).length
const falseAlarms = healthy.reduce((n, r) => n + r.act.predictions.length, 0)
const observedFailures = slow.reduce((n, r) => n + r.observe.failedTries, 0)
const actedFailures = slow.reduce((n, r) => n + r.act.failedTries, 0)
const avoided = observedFailures === 0 ? 0 : (observedFailures - actedFailures) / observedFailures
const fastHits = fast.filter((r) =>
  r.observe.predictions.some((p) => p.cameTrue && p.observedLeadMs > 0),
).length
const recall = slow.length === 0 ? 0 : hits.length / slow.length
const healthyRed = healthy.filter((r) => r.act.outcome !== 'passed').length

console.log('')
console.log(
  `  slow faults: ${slow.length} (${['leak', 'latency', 'disk'].map((k) => `${k} ${slow.filter((r) => r.kind === k).length}`).join(', ')})`,
)
for (const kind of ['leak', 'latency', 'disk']) {
  const of = slow.filter((r) => r.kind === kind)
  if (of.length === 0) continue
  const kh = hits.filter((p) => p.failure === EXPECTED[kind])
  console.log(
    `    ${kind.padEnd(7)} recall ${pct(kh.length, of.length)}, median lead ${sec(median(kh.map((p) => p.observedLeadMs)))}, failed tries observe ${of.reduce((n, r) => n + r.observe.failedTries, 0)} → act ${of.reduce((n, r) => n + r.act.failedTries, 0)}`,
  )
}
console.log(
  `  recall (slow faults):            ${pct(hits.length, slow.length)}  target ≥ 80 %: ${recall >= 0.8 ? 'met' : 'NOT met'}`,
)
console.log(
  `  median lead time:                ${sec(median(leads))}  target ≥ 5 s: ${leads.length && median(leads) >= 5000 ? 'met' : 'NOT met'}`,
)
console.log(
  `  failures avoided (slow faults):  ${observedFailures} failed tries observed → ${actedFailures} acting first = ${(avoided * 100).toFixed(0)} % avoided  target ≥ 50 %: ${avoided >= 0.5 ? 'met' : 'NOT met'}`,
)
console.log(
  `  precision (judged alarms, fault runs observed): ${pct(truePositives, judged.length)} (${truePositives} of ${judged.length})`,
)
console.log(
  `  false alarms on healthy runs:    ${falseAlarms} in ${healthy.length} runs (${healthy.length ? ((10 * falseAlarms) / healthy.length).toFixed(1) : 'n/a'} per 10)  target ≤ 1 per 10: ${verdict(healthy.length ? (10 * falseAlarms) / healthy.length : Infinity, 1)}`,
)
console.log(
  `  healthy runs red:                ${healthyRed} of ${healthy.length}${healthyRed ? '  FAILED: a prediction must never make a healthy run red' : ''}`,
)
console.log(
  `  fast faults (SIGKILL) predicted: ${fastHits} of ${fast.length} (not expected: nothing trends before a kill)`,
)
console.log(`  after: ${machineLoad()}`)
if (healthyRed > 0) process.exitCode = 1
