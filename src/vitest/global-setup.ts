/**
 * Added to every healed project's `globalSetup` by the plugin: runs the pre-flight in the main
 * process before the first test file, and stops the owned services when the run ends.
 */
import type { TestProject } from 'vitest/node'
import { findSession } from '../session/session.js'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const session = findSession(project) ?? findSession(project.vitest)
  if (!session) return async () => {}
  try {
    await session.preflight()
  } catch (error) {
    // The owned services that did start must not outlive a run that stops here.
    await session.teardown()
    throw error
  }
  return () => session.teardown()
}
