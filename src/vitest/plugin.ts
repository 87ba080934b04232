/**
 * `heal(options)`: the Vite plugin a user adds to vitest.config.ts. Options are validated here, when
 * the config is loaded, so a malformed config fails before any test runs.
 */
import type { Plugin } from 'vitest/config'
import type { TestProject } from 'vitest/node'
import { resolveOptions, type HealOptions, type ResolvedOptions } from '../config.js'
import { withoutVitestGithubActions, type VitestReporterEntry } from '../reporters/github.js'
import { HealSession, registerSession } from '../session/session.js'
import { runtimeModule } from './paths.js'
import { RunController } from './run-controller.js'
import { PROVIDE_KEY, type WorkerHealConfig } from './worker-config.js'

export const PLUGIN_NAME = 'vitest-heal'

/** What `plugin.api` exposes, so the CLI can find the resolved options in a loaded config. */
export interface HealPluginApi {
  options: ResolvedOptions
  sessionFor(project: TestProject): HealSession | undefined
}

export function heal(options: HealOptions = {}): Plugin {
  const resolved = resolveOptions(options)
  const sessions = new WeakMap<TestProject, HealSession>()
  const api: HealPluginApi = { options: resolved, sessionFor: (project) => sessions.get(project) }
  return {
    name: PLUGIN_NAME,
    api,
    config() {
      return { test: { tags: tagDefinitions(resolved) } }
    },
    async configureVitest({ project, vitest }) {
      // Projects that inherit the root's heal() (`extends: true`; Vitest loads the config again for
      // each, so this is a new heal() call) declare the same services: they share one session, so
      // one pre-flight, one owned process per service and one recovery however many projects saw
      // the outage. Projects with services of their own get their own session.
      const controller = RunController.for(vitest)
      const { session, shared } = controller.sessionFor(sessionKey(resolved), () => new HealSession(resolved))
      sessions.set(project, session)
      registerSession(project, session)
      if (!shared) registerSession(vitest, session)
      // Where the history is recorded (run-controller.ts) is where the learned strategy order is read.
      session.historyRoot = vitest.config.root
      const config = project.config
      // includeTaskLocation stays the user's choice: it costs ~15% of a run of small tests, and the
      // reports read the line of a failure from its stack (see core/test-location.ts).
      config.globalSetup = [...toArray(config.globalSetup), runtimeModule('global-setup')]
      if (config.runner) {
        // Vitest takes one runner per project: ours would replace the user's. Pre-flight and the
        // second pass still work; per-try healing is off for this project.
        session.status.line(
          'warn',
          `test.runner is set (${config.runner}): inline healing is off for this project`,
        )
      } else {
        config.runner = runtimeModule('runner')
      }
      if (resolved.reporters.includes('github')) {
        // Ours are the job summary and annotations of the healed run: Vitest's would be a second, unhealed account.
        const reporters = vitest.config.reporters as unknown as VitestReporterEntry[]
        reporters.splice(0, reporters.length, ...withoutVitestGithubActions(reporters))
      }
      const channel = await session.openChannel()
      const provideWorkerConfig = () =>
        project.provide(PROVIDE_KEY, workerConfig(resolved, config.root, channel, session))
      provideWorkerConfig()
      // A local PostgreSQL's port is known only once the pre-flight started it: tell the workers again.
      session.afterPreflight(provideWorkerConfig)
      if (shared) return
      // A chaos run counts finished tests for its count triggers (`30%`, `after:12`, `random`).
      if (session.chaos) vitest.config.reporters.push(session.chaos.reporter as never)
      // A run that never reached the global setup (no test file matched, a config error) still
      // closes the control channel and stops owned services, or the process would wait on them.
      vitest.onClose(() => session.teardown())
    },
  }
}

/**
 * The services a heal() declares, as far as they decide what runs and how it is recovered: same
 * key, same session. Two declarations that differ in any of these keep sessions of their own.
 */
function sessionKey(options: ResolvedOptions): string {
  return JSON.stringify(
    options.services.map((s) => ({
      name: s.name,
      kind: s.kind,
      target: s.target(),
      owned: s.owned !== undefined,
      env: s.env ?? null,
      required: s.required,
      startTimeoutMs: s.startTimeoutMs,
      checkTimeoutMs: s.checkTimeoutMs,
      recover: s.recoveries.map((r) => [r.strategy, r.description, r.timeoutMs]),
      tests: s.tests,
    })),
  )
}

function workerConfig(
  options: ResolvedOptions,
  root: string,
  channel: { socket: string; outageFlag: string },
  session: HealSession,
): WorkerHealConfig {
  const refs = session.serviceRefs()
  const chaosPatterns = session.chaos?.workerPatterns() ?? []
  return {
    ...channel,
    root,
    services: options.services.map((service, i) => ({ ref: refs[i]!, tests: [...service.tests] })),
    // Only a chaos run with `test:`/`during:` faults makes the runner ask before a test.
    ...(chaosPatterns.length > 0 ? { chaos: { patterns: chaosPatterns } } : {}),
    rules: options.rules,
    budget: { infra: options.infraRetries, flaky: options.flakyRetries },
    optIn: options.optIn,
    waitTimeoutMs: Math.max(30_000, ...options.services.map((s) => s.startTimeoutMs * 2)),
  }
}

/** Each service gets `needs:<name>`; `heal` opts a test in (with optIn), `heal:off` opts it out. */
function tagDefinitions(options: ResolvedOptions): { name: string; description: string }[] {
  return [
    { name: 'heal', description: 'vitest-heal: heal this test (with optIn: true)' },
    { name: 'heal:off', description: 'vitest-heal: never retry or heal this test' },
    ...options.services.map((service) => ({
      name: `needs:${service.name}`,
      description: `vitest-heal: this test needs the ${service.kind} service "${service.name}"`,
    })),
  ]
}

function toArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}
