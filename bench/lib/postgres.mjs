/**
 * The real PostgreSQL of bench/heal (vitest-heal's own throwaway server from dist), and the bare
 * restart that heal latency is compared with: after a SIGKILL, what it takes to bring the same data
 * dir back by hand (clear the dead postmaster's lock files, `pg_ctl start -w`, first `SELECT 1`),
 * with none of vitest-heal's detection, coordination or retries.
 */
import { execFile } from 'node:child_process'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { importDist } from './dist.mjs'

const execFileAsync = promisify(execFile)
const { createPostgresServer, removeStaleLockFiles } = await importDist('services/postgres-server.js')
const { probePostgres } = await importDist('services/pg-probe.js')

export async function startPostgres() {
  const server = await createPostgresServer()
  try {
    await server.start()
  } catch (error) {
    await server.destroy()
    throw error
  }
  return server
}

const { pgCtl } = await importDist('recoveries/pg-ctl.js')
const { postgres } = await importDist('services/postgres.js')
const { recoverService } = await importDist('services/recover-service.js')

/**
 * SIGKILL to the postmaster and its children. The server's process handle is unref'd (an owned
 * service must not keep a run alive), so awaiting its exit with nothing else on the event loop would
 * let Node exit mid-await (code 13): a timer holds the loop until it is dead.
 */
export async function killHard(server) {
  const hold = setInterval(() => {}, 1_000)
  try {
    await server.killHard()
  } finally {
    clearInterval(hold)
  }
}

/** Milliseconds from the start of a hand-made restart of a dead server to its first `SELECT 1`. */
export function timeBareRestart(server) {
  return timeRestart(server, () => pgCtlByHand(server))
}

/**
 * The same, through vitest-heal's own pgCtl() recovery called directly, without the coordinator:
 * what separates the recovery's cost from the rest of the heal latency.
 */
export function timePgCtlRecovery(server) {
  const recovery = pgCtl(server.dataDir).resolve('bench.recover[0]')
  return timeRestart(server, async () => {
    await recovery.verify()
    await recovery.run({ signal: new AbortController().signal, log: () => {} })
  })
}

/**
 * The same, through the recovery path a heal takes in the main process (recoverService: the
 * pgCtl() recovery, then the wait for health), without Vitest, workers or the coordinator.
 */
export function timeRecoverService(server) {
  const service = postgres({ url: server.url, recover: [pgCtl(server.dataDir)] }).resolve({
    name: 'db',
    key: 'services.db',
  })
  return timeRestart(server, async () => {
    const result = await recoverService(service, { trigger: 'inline', log: () => {} })
    if (!result.healthy) throw new Error(`recoverService did not heal: ${result.last.detail}`)
  })
}

async function timeRestart(server, restart) {
  const started = performance.now()
  await restart()
  for (;;) {
    const probe = await probePostgres(server.url, 2_000)
    if (probe.state === 'healthy') return performance.now() - started
    if (performance.now() - started > 60_000) throw new Error(`PostgreSQL did not come back: ${probe.detail}`)
  }
}

async function pgCtlByHand(server) {
  removeStaleLockFiles(server.dataDir, server.socketDir, server.port)
  const owner = statSync(server.dataDir)
  // pg_ctl refuses root: run it as the data dir's owner, as an operator would with `su postgres`.
  const asOwner = process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {}
  const log = join(server.dataDir, 'bench-pg_ctl.log')
  await execFileAsync(server.binaries.pg_ctl, ['-D', server.dataDir, '-l', log, '-w', '-t', '60', 'start'], {
    ...asOwner,
    timeout: 65_000,
  })
}
