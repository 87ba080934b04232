/**
 * `heal(options)`: the Vite plugin a user adds to vitest.config.ts. Options are validated here, when
 * the config is loaded, so a malformed config fails before any test runs.
 */
import type { Plugin } from 'vitest/config'
import type { TestProject } from 'vitest/node'
import { resolveOptions, type HealOptions, type ResolvedOptions } from '../config.js'
import { HealSession, registerSession } from '../session/session.js'
import { runtimeModule } from './paths.js'

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
    configureVitest({ project, vitest }) {
      const session = new HealSession(resolved)
      sessions.set(project, session)
      registerSession(project, session)
      registerSession(vitest, session)
      const globalSetup = project.config.globalSetup
      project.config.globalSetup = [
        ...(Array.isArray(globalSetup) ? globalSetup : globalSetup ? [globalSetup] : []),
        runtimeModule('global-setup'),
      ]
    },
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
