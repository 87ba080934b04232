/**
 * Loads a project's vitest config the way `vitest run` does and finds the vitest-heal plugin in
 * each project, so the CLI works on exactly the services the tests would see.
 */
import { createVitest, type TestProject, type Vitest } from 'vitest/node'
import type { HealPluginApi } from '../vitest/plugin.js'
import { PLUGIN_NAME } from '../vitest/plugin.js'
import type { HealSession } from '../session/session.js'

export interface LoadedProject {
  project: TestProject
  session: HealSession
}

export interface LoadedConfig {
  vitest: Vitest
  projects: LoadedProject[]
}

export async function loadHealConfig(options: { root?: string; config?: string }): Promise<LoadedConfig> {
  const vitest = await createVitest(
    'test',
    { watch: false, root: options.root, config: options.config, reporters: [] },
    { logLevel: 'error' },
  )
  const projects: LoadedProject[] = []
  for (const project of vitest.projects) {
    const plugin = project.vite.config.plugins.find((p) => p.name === PLUGIN_NAME)
    const api = plugin?.api as HealPluginApi | undefined
    const session = api?.sessionFor(project)
    if (session) projects.push({ project, session })
  }
  return { vitest, projects }
}
