/**
 * The fixture's link to a healed Vitest run: when the vitest-heal plugin runs the tests, the worker
 * config it provides says which services exist and where the coordinator listens, so a page that
 * cannot load asks the coordinator to heal the app behind it, and a WebDriver that went away asks it
 * to heal the driver, before the fixture opens a new session. Outside a healed run there is no link.
 */
import { inject } from 'vitest'
import type { ProbedHealth } from '../core/confirm.js'
import { isHealed, servicesNeeded } from '../core/needs.js'
import type { TryRecovery } from '../core/report.js'
import type { ServiceRef } from '../core/types.js'
import { HealError } from '../errors.js'
import { serviceClaims } from '../vitest/claims.js'
import { relativeFile } from '../vitest/paths.js'
import { workerChannel, type WorkerChannel } from '../vitest/worker-channel.js'
import { PROVIDE_KEY, type WorkerHealConfig } from '../vitest/worker-config.js'
import { describeError } from './errors.js'
import type { InfraRequest } from './strategies.js'

/** Which test is asking, so a failed page can be blamed on the services the test needs. */
export interface AskingTest {
  /** Absolute path of the test file. */
  filepath: string
  /** `suite > test`. */
  name: string
  tags: readonly string[]
}

/** What the coordinator did for a page that could not load. */
export interface AppHealed {
  /** The service it healed; undefined when nobody was blamed and it checked every service. */
  service: string | undefined
  /** `down`: the coordinator found the outage (and recovered it); `healthy`: it found nothing to heal. */
  probed: ProbedHealth | undefined
  /** The outage found and recovered: the evidence the report's `healed` needs (absent: nothing was down). */
  recovery?: TryRecovery
}

export interface RunLink {
  /** Service name → URL of each HTTP service, for `healDriver`'s `services` option. */
  readonly appServices: Record<string, string>
  /**
   * Whether vitest-heal may heal this test (not `heal:off`; with `optIn`, opted in): a test it may
   * not heal gets no coordinator, so a page it cannot load fails it as the runner would.
   */
  heals(test: AskingTest): boolean
  /** `healDriver`'s `onInfra` for one test: heals the blamed app service; rejects when it stays down. */
  onInfraFor(test: AskingTest): (request: InfraRequest) => Promise<AppHealed>
  /** Heals the WebDriver service serving `serverUrl`, if one is configured; rejects when it stays down. */
  healWebDriver(serverUrl: string, error: unknown): Promise<void>
}

/** The link to the run this worker belongs to, or undefined when no vitest-heal plugin runs it. */
export function linkToRun(): RunLink | undefined {
  let config: WorkerHealConfig | undefined
  try {
    config = inject(PROVIDE_KEY)
  } catch {
    return undefined
  }
  if (!config?.socket) return undefined
  const healConfig = config
  // One connection per worker, shared by every file it runs and with the runner.
  const control = (): WorkerChannel => workerChannel(healConfig.socket)
  const refs = healConfig.services.map((s) => s.ref)
  const claims = serviceClaims(healConfig.services.map((s) => ({ name: s.ref.name, tests: s.tests })))
  const testFile = (test: AskingTest): string => relativeFile(healConfig.root, test.filepath)
  const apps = refs.filter((ref) => ref.kind === 'http' && ref.url !== undefined)

  const heal = async (
    service: string | undefined,
    test: string,
    error: unknown,
  ): Promise<Pick<AppHealed, 'probed' | 'recovery'>> => {
    const reply = await control().heal({
      service,
      failedAt: Date.now(),
      test,
      evidence: describeError(error),
    })
    if (reply.healthy)
      return { probed: reply.probed, ...(reply.recovery ? { recovery: reply.recovery } : {}) }
    const what = service ?? 'the services'
    throw new HealError(
      reply.code === 'E_CIRCUIT_OPEN' ? 'E_CIRCUIT_OPEN' : 'E_RECOVERY_FAILED',
      `vitest-heal: ${what} could not be healed: ${reply.error ?? 'still unhealthy'}`,
    )
  }

  return {
    appServices: Object.fromEntries(apps.map((ref) => [ref.name, ref.url!])),
    heals(test) {
      return isHealed({ file: testFile(test), tags: test.tags }, claims, healConfig.optIn)
    },
    onInfraFor(test) {
      const file = testFile(test)
      return async (request) => {
        const service =
          request.service ?? blameByNeeds(apps, servicesNeeded({ file, tags: test.tags }, claims))
        const found = await heal(service, `${file} > ${test.name}`, request.error)
        return { service: service ?? found.recovery?.service, ...found }
      }
    },
    async healWebDriver(serverUrl, error) {
      const driver = refs.find((ref) => ref.kind === 'webdriver' && sameOrigin(ref.url, serverUrl))
      if (driver) await heal(driver.name, `WebDriver at ${serverUrl}`, error)
    },
  }
}

/** The one HTTP service the test needs, else the only one configured; undefined lets the coordinator check all. */
function blameByNeeds(apps: readonly ServiceRef[], needs: readonly string[]): string | undefined {
  const needed = apps.filter((ref) => needs.includes(ref.name))
  if (needed.length === 1) return needed[0]!.name
  if (needed.length === 0 && apps.length === 1) return apps[0]!.name
  return undefined
}

function sameOrigin(a: string | undefined, b: string): boolean {
  if (a === undefined) return false
  try {
    const [x, y] = [new URL(a), new URL(b)]
    const host = (h: string): string => (h === 'localhost' ? '127.0.0.1' : h)
    return host(x.hostname) === host(y.hostname) && x.port === y.port
  } catch {
    return false
  }
}
