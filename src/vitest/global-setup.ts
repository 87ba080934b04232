/**
 * Added to every healed project's `globalSetup` by the plugin: runs the pre-flight in the main
 * process before the first test file, and stops the owned services when the run ends.
 */
import type { TestProject } from 'vitest/node'
import { findSession, type HealSession } from '../session/session.js'
import { serviceClaims } from './claims.js'
import { relativeFile } from './paths.js'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const session = findSession(project) ?? findSession(project.vitest)
  if (!session) return async () => {}
  await warnUnmatchedTestGlobs(project, session)
  try {
    await session.preflight()
  } catch (error) {
    // The owned services that did start must not outlive a run that stops here.
    await session.teardown()
    throw error
  }
  return () => session.teardown()
}

const warned = new WeakSet<HealSession>()

/**
 * A service's `tests` glob that matches no test file claims nothing, silently (a typo, a moved
 * folder): one warning line per service, once per session, however many projects share it.
 */
async function warnUnmatchedTestGlobs(project: TestProject, session: HealSession): Promise<void> {
  const claims = serviceClaims(session.options.services)
  if (claims.length === 0 || warned.has(session)) return
  warned.add(session)
  const { testFiles } = await project.globTestFiles()
  const files = testFiles.map((file) => relativeFile(project.config.root, file))
  for (const { name, claims: claimed } of claims) {
    if (files.some((file) => claimed(file))) continue
    const globs = session.options.services.find((s) => s.name === name)?.tests ?? []
    session.status.line(
      'warn',
      `services.${name}.tests (${globs.map((g) => JSON.stringify(g)).join(', ')}) matches no test file`,
    )
  }
}
