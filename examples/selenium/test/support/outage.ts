/**
 * The outages this example exists to show, switched on by VITEST_HEAL_DEMO_OUTAGE:
 * - `db`, `app`, `chromedriver`: a test crashes that service in the middle of what it is doing, the
 *   way a real crash would (SIGKILL). vitest-heal restarts it and runs the test again, which then
 *   ends `healed`.
 * - `app-between-tests`: the app is crashed while no test uses it; the next test's first page load
 *   fails, the driver has vitest-heal restart the app and loads the page again, and the test goes on.
 */
import { openSync, closeSync } from 'node:fs'
import { inject } from 'vitest'
import { killProcessesWithArgument } from 'vitest-heal/selenium'
import { crashPostgres } from '../../../basic/test/support/crash.js'

export type OutageTarget = 'db' | 'app' | 'chromedriver'
export type DemoOutage = OutageTarget | 'app-between-tests'

const OUTAGES: readonly DemoOutage[] = ['db', 'app', 'chromedriver', 'app-between-tests']

export function demoOutage(): DemoOutage | undefined {
  const asked = process.env.VITEST_HEAL_DEMO_OUTAGE
  if (asked === undefined || asked === '') return undefined
  if (!OUTAGES.includes(asked as DemoOutage)) {
    throw new Error(`VITEST_HEAL_DEMO_OUTAGE must be one of ${OUTAGES.join(', ')}, got ${asked}`)
  }
  return asked as DemoOutage
}

/** The service crashed mid-test, when the demo asks for one. */
export function outageTarget(): OutageTarget | undefined {
  const outage = demoOutage()
  return outage === 'app-between-tests' ? undefined : outage
}

/** Crashes `target` once per run (see demo-run.ts): the try that heals must find it up. */
export async function crashOnce(target: OutageTarget): Promise<boolean> {
  try {
    closeSync(openSync(inject('demoCrashMarker'), 'wx'))
  } catch {
    return false
  }
  await crash(target)
  return true
}

async function crash(target: OutageTarget): Promise<void> {
  if (target === 'db') {
    await crashPostgres(process.env.DATABASE_URL!)
    return
  }
  if (target === 'app') {
    const health = (await (await fetch(process.env.APP_URL!)).json()) as { pid: number }
    process.kill(health.pid, 'SIGKILL')
    return
  }
  // chromedriver, and the browsers it started, as an OOM kill of the driver would.
  const port = new URL(process.env.VITEST_HEAL_WEBDRIVER_URL!).port
  await killProcessesWithArgument(`--port=${port}`)
}
