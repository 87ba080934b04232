/**
 * An outage during setup, for the e2e tests of a generated project (outage-suite.ts): its
 * beforeAll, top-level and bare-pool files connect, say "ready" and wait; the PostgreSQL is then
 * SIGKILLed and the files are let go on connections that died with it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import type { PgHandle } from '../helpers/postgres.js'
import { runVitest, waitForProgress, type RunOptions, type RunResult } from './harness.js'

export type OutageEnv = Record<string, string> & { FIXTURE_GO: string; FIXTURE_READY: string }

/** The fixture's environment: the database, its pg_ctl recovery, fresh ready/go files. */
export function outageEnv(pg: PgHandle, extra: Record<string, string> = {}): OutageEnv {
  const scratch = mkdtempSync(join(tmpdir(), 'vitest-heal-setup-outage-'))
  return {
    FIXTURE_PG_URL: pg.url,
    FIXTURE_RECOVER: JSON.stringify([{ pgCtl: pg.dataDir }]),
    FIXTURE_GO: join(scratch, 'go'),
    FIXTURE_READY: join(scratch, 'ready'),
    ...extra,
  }
}

/** Runs vitest in `dir`; once `ready` files said so, kills the database and lets them go on. */
export async function runThroughOutage(
  pg: PgHandle,
  dir: string,
  env: OutageEnv,
  options: Omit<RunOptions, 'env'> = {},
  ready = 1,
): Promise<RunResult> {
  const run = runVitest(dir, { ...options, env })
  expect(await waitForProgress(env.FIXTURE_READY, ready)).toBe(true)
  await pg.killHard()
  writeFileSync(env.FIXTURE_GO, '')
  return run
}
