/**
 * The outage this example exists to show, switched on by VITEST_HEAL_DEMO_OUTAGE=1 (`npm run example`
 * sets it): while the other files run, this one crashes the database server the way a real crash
 * does — SIGKILL to the postmaster and all its processes. vitest-heal then restarts it, and the tests
 * the crash broke are run again and end `healed`.
 */
import pg from 'pg'
import { expect, test } from 'vitest'
import { crashPostgres } from './support/crash.js'

test.runIf(process.env.VITEST_HEAL_DEMO_OUTAGE === '1')('the database server crashes mid-run', async () => {
  await new Promise((resolve) => setTimeout(resolve, 300))
  const killed = await crashPostgres(process.env.DATABASE_URL!)
  expect(killed.length).toBeGreaterThan(0)
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 1000 })
  await expect(client.connect()).rejects.toThrow()
})
