/**
 * Runs `vitest run` on a fixture project under test/reporters/fixtures as a fresh child process,
 * the way CI would, with the given environment on top of this one.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const vitestBin = join(here, '../../node_modules/vitest/vitest.mjs')

export function fixtureProject(name: string): string {
  return join(here, 'fixtures', name)
}

export function runFixtureVitest(project: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env }
  // The child is a fresh Vitest run, not a worker of this one.
  for (const key of ['VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID']) delete childEnv[key]
  return spawnSync(process.execPath, [vitestBin, 'run', '--root', project], {
    env: childEnv,
    encoding: 'utf8',
    timeout: 60_000,
  })
}
