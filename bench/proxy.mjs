/**
 * bench/proxy (issue 13): what the fault proxy costs with no toxic active. One pg client runs a
 * query-heavy workload — 2,000 small `SELECT $1::int` round trips, then a few 1 MB results — against
 * a real PostgreSQL, directly and through the proxy, alternating (ABBA) over ≥ 9 rounds so drift
 * falls on both sides. The proxy runs in this process, so this process's CPU time (user + system)
 * counts the proxy's work and the client's; the server's is the same on both sides and not counted.
 * Prints each round's ratio (proxied / direct), their median and spread, wall and CPU, for the whole
 * workload (target ≤ 1.05) and for each half: the latency a round trip pays and the large results'
 * throughput. A figure, not a gate: the machine's load moves it. For scale, the same workload also
 * runs through the floor of any proxy in Node: two sockets joined by `pipe()`, no toxics, no hook.
 *
 *   npm run build && node bench/proxy.mjs                # 2,000 round trips + 5 × 1 MB, 9 rounds
 *   node bench/proxy.mjs --quick                         # 500 round trips + 2 × 1 MB, 5 rounds
 *   node bench/proxy.mjs --rounds=15 --queries=4000 --large=10
 *
 * HEAL_DIST=<dir> points at another build of src/ (default: ../dist).
 */
import { connect, createServer } from 'node:net'
import pg from 'pg'
import { importDist } from './lib/dist.mjs'
import { startPostgres } from './lib/postgres.mjs'
import { countFlag, flags, machineLoad, median } from './lib/stats.mjs'

const TARGET = 1.05
const options = flags()
const rounds = countFlag(options, 'rounds', options.quick ? 5 : 9)
const queries = countFlag(options, 'queries', options.quick ? 500 : 2_000)
const large = countFlag(options, 'large', options.quick ? 2 : 5)
const LARGE_SQL = `SELECT repeat(md5(i::text), 32) AS text FROM generate_series(1, 1024) i` // 1 MiB of text

const { startFaultProxy } = await importDist('chaos/proxy.js')
const server = await startPostgres()
const proxy = await startFaultProxy({ upstream: { host: server.host, port: server.port } })
const bare = await startPipeProxy(server.port)

/** The reference: a proxy that is nothing but `pipe()` both ways (with Nagle off, as ours). */
async function startPipeProxy(port) {
  const listener = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port })
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true)
      socket.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise((resolve) => listener.listen(0, '127.0.0.1', resolve))
  return { port: listener.address().port, close: () => new Promise((resolve) => listener.close(resolve)) }
}

/** The workload's two halves on one connected client: wall and CPU ms of each. */
async function workload(port) {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' })
  await client.connect()
  try {
    const small = await measure(async () => {
      for (let i = 0; i < queries; i++) {
        const { rows } = await client.query('SELECT $1::int AS n', [i])
        if (rows[0].n !== i) throw new Error(`round trip ${i} answered ${rows[0].n}`)
      }
    })
    const big = await measure(async () => {
      for (let i = 0; i < large; i++) {
        const { rows } = await client.query(LARGE_SQL)
        if (rows.length !== 1024 || rows[1023].text.length !== 1024) throw new Error('large result is wrong')
      }
    })
    return { small, big, all: { wall: small.wall + big.wall, cpu: small.cpu + big.cpu } }
  } finally {
    await client.end()
  }
}

async function measure(work) {
  const cpuBefore = process.cpuUsage()
  const start = performance.now()
  await work()
  const wall = performance.now() - start
  const cpu = process.cpuUsage(cpuBefore)
  return { wall, cpu: (cpu.user + cpu.system) / 1000 }
}

const spread = (values) =>
  `${Math.min(...values).toFixed(3)}–${Math.max(...values).toFixed(3)} (IQR ${quartile(values, 0.25).toFixed(3)}–${quartile(values, 0.75).toFixed(3)})`
function quartile(values, q) {
  const sorted = [...values].sort((a, b) => a - b)
  const position = (sorted.length - 1) * q
  const low = Math.floor(position)
  return sorted[low] + (sorted[Math.ceil(position)] - sorted[low]) * (position - low)
}

console.log(
  `proxy: ${queries} small round trips + ${large} × 1 MiB results over one pg client, direct vs through the fault proxy (no toxic), ${rounds} rounds ABBA`,
)
console.log(`  before: ${machineLoad()}`)
try {
  // Unmeasured: the first runs pay for cold caches, JIT and the server's plan cache.
  const ports = { direct: server.port, proxied: proxy.port, pipe: bare.port }
  for (const port of Object.values(ports)) await workload(port)

  const results = { direct: [], proxied: [], pipe: [] }
  for (let i = 0; i < rounds; i++) {
    // The reference goes last each round; direct and proxied alternate in front of it (ABBA).
    const order = i % 2 === 0 ? ['direct', 'proxied', 'pipe'] : ['proxied', 'direct', 'pipe']
    for (const side of order) results[side].push(await workload(ports[side]))
    const [d, p] = [results.direct[i], results.proxied[i]]
    console.log(
      `  round ${i + 1}/${rounds}: direct ${d.all.wall.toFixed(0)} ms wall ${d.all.cpu.toFixed(0)} ms CPU, proxied ${p.all.wall.toFixed(0)} ms wall ${p.all.cpu.toFixed(0)} ms CPU`,
    )
  }
  console.log(`  after: ${machineLoad()}`)

  const ratios = (part, measureName, side = 'proxied') =>
    results[side].map((p, i) => p[part][measureName] / results.direct[i][part][measureName])
  for (const [part, label] of [
    ['all', 'whole workload'],
    ['small', `${queries} small round trips`],
    ['big', `${large} × 1 MiB results`],
  ]) {
    const wall = ratios(part, 'wall')
    const cpu = ratios(part, 'cpu')
    console.log(`proxy: ${label}: median wall ratio ${median(wall).toFixed(3)}, spread ${spread(wall)}`)
    console.log(`proxy: ${label}: median CPU ratio  ${median(cpu).toFixed(3)}, spread ${spread(cpu)}`)
  }
  const added = results.proxied.map(
    (p, i) => ((p.small.wall - results.direct[i].small.wall) * 1000) / queries,
  )
  const perTrip = median(results.direct.map((d) => (d.small.wall * 1000) / queries))
  console.log(
    `proxy: latency added per round trip: median ${median(added).toFixed(1)} µs (a direct round trip: ${perTrip.toFixed(1)} µs)`,
  )
  const cpuAdded = results.proxied.map(
    (p, i) => ((p.small.cpu - results.direct[i].small.cpu) * 1000) / queries,
  )
  const cpuPerTrip = median(results.direct.map((d) => (d.small.cpu * 1000) / queries))
  console.log(
    `proxy: CPU added per round trip (this process: client + proxy): median ${median(cpuAdded).toFixed(1)} µs (a direct round trip: ${cpuPerTrip.toFixed(1)} µs)`,
  )
  const throughput = (side) => median(results[side].map((r) => (large * 1.048576) / (r.big.wall / 1000)))
  console.log(
    `proxy: large results: ${throughput('direct').toFixed(0)} MB/s direct, ${throughput('proxied').toFixed(0)} MB/s proxied (median)`,
  )
  console.log(
    `proxy: for scale, a bare pipe() proxy: median wall ratio ${median(ratios('all', 'wall', 'pipe')).toFixed(3)}, CPU ${median(ratios('all', 'cpu', 'pipe')).toFixed(3)} (whole workload)`,
  )
  const figure = median(ratios('all', 'wall'))
  console.log(
    `proxy: median wall ratio of the whole workload ${figure.toFixed(3)} (target ≤ ${TARGET}: ${figure <= TARGET ? 'met' : 'NOT met'})`,
  )
} finally {
  await proxy.close()
  await bare.close()
  await server.destroy()
}
