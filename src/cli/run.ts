/**
 * `vitest-heal run [vitest args]`: Vitest through its Node API, the robust path. The plugin in the
 * project's config does the healing and the second pass inside `start()`; this wrapper then ends
 * the process with the healed exit code itself, so no lingering handle of a test can keep it open
 * or change the code after the fact.
 */
import { parseCLI, startVitest } from 'vitest/node'

export async function runVitest(args: readonly string[]): Promise<number> {
  const { filter, options } = parseCLI(['vitest', 'run', ...args])
  options.run = true
  options.watch = false
  await startVitest('test', filter, options)
  const code = process.exitCode
  return typeof code === 'number' ? code : code === undefined ? 0 : Number(code) || 1
}
