/**
 * Learning, for real: a session's recoveries run (a real command that fails 9 times in 10, and a
 * recovery that starts a real HTTP server), each run is recorded into the history's spool as a
 * run does, and the next session reads it. After a few runs the second strategy is tried first,
 * the status line and the records say why, and the first is still there when the second fails.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveOptions } from '../../../src/config.js'
import type { RecoveryRecord } from '../../../src/core/types.js'
import { recordRun } from '../../../src/history/record.js'
import { loadStrategyRates } from '../../../src/history/strategy-order.js'
import { freePort } from '../../../src/services/free-port.js'
import { command, http, recover, recoverService } from '../../../src/services/index.js'
import { HealSession } from '../../../src/session/session.js'
import { recoveryRun } from './recovery-run.js'
import type { StatusSink } from '../../../src/session/status.js'

let dir: string
let port: number
let server: Server | undefined
let startFails = false

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vitest-heal-learn-'))
  port = await freePort()
})
afterAll(async () => {
  await stopApp()
  rmSync(dir, { recursive: true, force: true })
})

async function startApp(): Promise<void> {
  if (startFails) throw new Error('start-app: arranged to fail')
  server = createServer((_req, res) => res.end('ok'))
  await new Promise<void>((done) => server!.listen(port, '127.0.0.1', done))
}

async function stopApp(): Promise<void> {
  const s = server
  server = undefined
  if (s) await new Promise((done) => s.close(done))
}

// Fails 9 calls in 10: a counter in a file, incremented by each call.
const FLAKY_START = 'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $((n % 10)) -eq 0 ]'

function capture(): StatusSink & { lines: string[] } {
  const lines: string[] = []
  return { lines, line: (_tone, text) => lines.push(text) }
}

/** One run: the app is down, the pre-flight recovers it, the run is recorded, everything stops. */
async function oneRun(history: string | false): Promise<{ records: RecoveryRecord[]; lines: string[] }> {
  await stopApp()
  const status = capture()
  const options = resolveOptions({
    services: {
      app: http({
        url: `http://127.0.0.1:${port}/health`,
        startTimeout: 2_000,
        recover: [command(['sh', '-c', FLAKY_START], { cwd: dir }), recover(startApp, { name: 'start-app' })],
      }),
    },
    history: history === false ? false : { dir: history },
  })
  const session = new HealSession(options, status)
  try {
    await session.preflight().catch(() => undefined)
    const records = session.allRecords()
    if (history !== false)
      await recordRun(recoveryRun(records), {
        target: { dir: history },
        background: false,
        serviceKinds: { app: 'http' },
      })
    return { records, lines: status.lines }
  } finally {
    await session.teardown()
  }
}

describe('strategies in the order of their measured success', () => {
  it('a first strategy failing 9 times in 10 gives way to the second after a few runs', async () => {
    const history = join(dir, 'history')
    const runs: { records: RecoveryRecord[]; lines: string[] }[] = []
    for (let i = 0; i < 5; i++) runs.push(await oneRun(history))
    const firstTried = runs.map((r) => r.records[0]?.strategy)
    expect(firstTried[0]).toBe('command:sh')
    expect(firstTried.slice(2)).toEqual(['custom:start-app', 'custom:start-app', 'custom:start-app'])
    for (const run of runs) expect(run.records.at(-1)?.ok).toBe(true)
    // The first run had nothing to learn from: configured order, no reason given, nothing said.
    expect(runs[0]!.records.every((r) => r.reason === undefined)).toBe(true)
    expect(runs[0]!.lines.some((l) => l.includes('first —'))).toBe(false)
    // Later ones say which and why, in the status line and the record.
    const last = runs.at(-1)!
    expect(last.lines).toContain(`app: trying start-app first — 100% of 4 past attempts`)
    expect(last.records[0]).toMatchObject({
      strategy: 'custom:start-app',
      ok: true,
      reason: '100% of 4 past attempts',
    })
    // One spool file per run, nothing else written by the reading.
    expect(readdirSync(history).sort()).toEqual(['spool'])
  })

  it('demoted, never removed: when the favourite fails, the demoted one is still tried', async () => {
    const history = join(dir, 'history')
    startFails = true
    try {
      const run = await oneRun(history)
      expect(run.records.map((r) => [r.strategy, r.ok])).toEqual([
        ['custom:start-app', false],
        ['command:sh', expect.any(Boolean)],
      ])
      expect(run.records[1]!.reason).toMatch(/^0% of \d+ past attempts?$/)
    } finally {
      startFails = false
    }
  })

  it('history: false uses the configured order, whatever a history directory holds', async () => {
    const run = await oneRun(false)
    expect(run.records[0]?.strategy).toBe('command:sh')
    expect(run.records.every((r) => r.reason === undefined)).toBe(true)
  })

  it('an order that fails, or that drops or invents a recovery, is not used: the configured one is', async () => {
    await stopApp()
    const [app] = resolveOptions({
      services: {
        app: http({
          url: `http://127.0.0.1:${port}/health`,
          startTimeout: 2_000,
          recover: [command(['sh', '-c', 'exit 1']), recover(startApp, { name: 'start-app' })],
        }),
      },
    }).services
    const orders = [
      () => Promise.reject(new Error('history unreadable')),
      (rs: readonly { strategy: string }[]) => Promise.resolve([{ recovery: rs[1]! }]),
      (rs: readonly { strategy: string }[]) => Promise.resolve([{ recovery: rs[1]! }, { recovery: rs[1]! }]),
    ]
    for (const order of orders) {
      await stopApp()
      const result = await recoverService(app!, {
        trigger: 'inline',
        log: () => undefined,
        order: order as never,
      })
      expect(result.records.map((r) => [r.strategy, r.ok, r.reason])).toEqual([
        ['command:sh', false, undefined],
        ['custom:start-app', true, undefined],
      ])
    }
  })

  it('no history yet: nothing read, nothing created, no rates', async () => {
    const fresh = join(dir, 'fresh')
    expect(await loadStrategyRates({ dir: fresh })).toEqual([])
    expect(existsSync(fresh)).toBe(false)
  })
})
