/**
 * bench/sampler (issue 14): what the metric sampler costs at its default interval, sampling a real
 * local PostgreSQL (owned: its data dir's disk and its process tree's memory are read), an owned
 * HTTP app and the host — the sources a run with those two services has.
 *
 * Rounds alternate a sampling phase and a reference phase of the same length with nothing sampled
 * (the order flips every round, so drift from other work on the machine falls on both alike). Each
 * phase measures CPU time with process.cpuUsage (this process: the sampler itself) and from /proc
 * (the PostgreSQL and app process trees, reaped backends included: what the probes make them do).
 * Printed: per round the extra CPU of the sampling phase over the reference, as % of one core; the
 * median and spread over rounds; and the same over both cores of the machine (the "≤ 1% CPU
 * on this 2-core machine"). A figure, not a gate: the load average is printed with it.
 *
 *   npm run build && node bench/sampler.mjs            # 9 rounds × (7 s sampling + 7 s reference)
 *   node bench/sampler.mjs --rounds=11 --seconds=10 --interval=1000
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { importDist, PACKAGE_ROOT } from './lib/dist.mjs'
import { countFlag, flags, machineLoad, median } from './lib/stats.mjs'

const options = flags()
const rounds = countFlag(options, 'rounds', 9)
const phaseMs = countFlag(options, 'seconds', 7) * 1_000
const { DEFAULT_SAMPLE_INTERVAL_MS } = await importDist('config.js')
const intervalMs = countFlag(options, 'interval', DEFAULT_SAMPLE_INTERVAL_MS)
const TARGET_PERCENT_OF_MACHINE = 1

const { createSampler } = await importDist('predict/sampler.js')
const { serviceSource } = await importDist('predict/metrics-service.js')
const { hostSource } = await importDist('predict/metrics-host.js')
const { postgres } = await importDist('services/postgres.js')
const { http } = await importDist('services/http.js')
const { freePort } = await importDist('services/free-port.js')
const { waitUntilHealthy } = await importDist('services/wait.js')
const { descendantsOf } = await importDist('services/proc.js')

const dir = join(PACKAGE_ROOT, 'bench/.generated/sampler')
mkdirSync(dir, { recursive: true })
const appFile = join(dir, 'app.mjs')
writeFileSync(
  appFile,
  `import { createServer } from 'node:http'
createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')
`,
)
const port = await freePort()
const db = postgres({ local: true }).resolve({ name: 'db', key: 'services.db' })
const app = http({
  url: `http://127.0.0.1:${port}/health`,
  start: [process.execPath, appFile],
  startEnv: { PORT: String(port) },
}).resolve({ name: 'app', key: 'services.app' })

/** CPU ms of a process tree: its own time, its reaped children's (PostgreSQL's exited backends), its live children's. */
function treeCpuMs(pid) {
  if (pid === undefined) return 0
  const ticks = (p, withReaped) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      // Fields 14-17 of stat (utime stime cutime cstime) are 11-14 here, after pid and comm.
      const own = Number(f[11]) + Number(f[12])
      return withReaped ? own + Number(f[13]) + Number(f[14]) : own
    } catch {
      return 0
    }
  }
  let total = ticks(pid, true)
  for (const child of descendantsOf(pid)) total += ticks(child, false)
  return total * 10 // USER_HZ is 100 on Linux
}

const servicesCpuMs = () => treeCpuMs(db.owned.pid()) + treeCpuMs(app.owned.pid())
const ownCpuMs = () => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1_000
}

async function phase(sampling) {
  const sampler = sampling
    ? createSampler({
        intervalMs,
        sources: [
          serviceSource(db),
          serviceSource(app),
          hostSource({ reportDir: join(dir, '.vitest-heal'), timeoutMs: 2_000 }),
        ],
      })
    : undefined
  let samples = 0
  sampler?.onSample(() => samples++)
  const own0 = ownCpuMs()
  const services0 = servicesCpuMs()
  const started = performance.now()
  sampler?.start()
  await new Promise((resolve) => setTimeout(resolve, phaseMs))
  await sampler?.stop()
  const wallMs = performance.now() - started
  return { own: ownCpuMs() - own0, services: servicesCpuMs() - services0, wallMs, samples }
}

const cores = availableParallelism()
const pct = (ms, wallMs) => (100 * ms) / wallMs
const fmt = (value) => `${value.toFixed(3)}%`

try {
  await db.owned.start()
  await app.owned.start()
  for (const service of [db, app]) {
    const ready = await waitUntilHealthy(service, { timeoutMs: 30_000 })
    if (!ready.healthy) throw new Error(`${service.name} did not start: ${ready.last.detail}`)
  }
  console.log(
    `sampler: a local PostgreSQL, an owned HTTP app and the host every ${intervalMs} ms; ${rounds} rounds of ${phaseMs / 1000} s sampling + ${phaseMs / 1000} s reference (alternating)`,
  )
  console.log(`  before: ${machineLoad()}`)
  // One unmeasured phase: pg's first import and the first connection are not the steady cost.
  await phase(true)
  const own = []
  const total = []
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? [true, false] : [false, true]
    const result = {}
    for (const sampling of order) result[sampling ? 'on' : 'off'] = await phase(sampling)
    const { on, off } = result
    const ownExtra = pct(on.own, on.wallMs) - pct(off.own, off.wallMs)
    const totalExtra = pct(on.own + on.services, on.wallMs) - pct(off.own + off.services, off.wallMs)
    own.push(ownExtra)
    total.push(totalExtra)
    console.log(
      `  round ${i + 1}/${rounds}: ${on.samples} samples; this process +${fmt(ownExtra)} of one core, with the services' share +${fmt(totalExtra)}  (reference ${fmt(pct(off.own, off.wallMs))} / ${fmt(pct(off.own + off.services, off.wallMs))})`,
    )
  }
  const spread = (values) => `${fmt(Math.min(...values))} … ${fmt(Math.max(...values))}`
  const ownMedian = median(own)
  const totalMedian = median(total)
  console.log(`  after: ${machineLoad()}`)
  console.log(
    `sampler process, % of one core:               median ${fmt(ownMedian)} (rounds ${spread(own)})`,
  )
  console.log(
    `sampler + what its probes cost the services:   median ${fmt(totalMedian)} of one core (rounds ${spread(total)})`,
  )
  const machine = totalMedian / cores
  console.log(
    `of this ${cores}-core machine: ${fmt(ownMedian / cores)} (sampler process), ${fmt(machine)} (with the services' share); target ≤ ${TARGET_PERCENT_OF_MACHINE}%: ${machine <= TARGET_PERCENT_OF_MACHINE ? 'met' : 'NOT met'}`,
  )
} finally {
  await app.owned.stop().catch(() => {})
  await db.owned.stop().catch(() => {})
}
