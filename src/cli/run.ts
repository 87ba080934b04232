/**
 * `vitest-heal run [vitest args]`: Vitest through its Node API, the robust path. The plugin in the
 * project's config does the healing and the second pass inside `start()`; this wrapper then ends
 * the process with the healed exit code itself, so no lingering handle of a test can keep it open
 * or change the code after the fact. `--resume` and `--last-failed` start it from the run journal.
 */
import { parseCLI, startVitest } from 'vitest/node'
import { takeJournalRequest } from '../vitest/journal-resume.js'
import { applyJournalFlags } from './resume.js'

export async function runVitest(args: readonly string[]): Promise<number> {
  // --resume / --last-failed are ours: the run controller starts from the journal (cli/resume.ts).
  const { filter, options } = parseCLI(['vitest', 'run', ...applyJournalFlags(args)])
  options.run = true
  options.watch = false
  await startVitest('test', filter, options)
  // Still pending: no heal() plugin took it, so every test ran.
  if (takeJournalRequest()) {
    process.stderr.write(
      'vitest-heal: --resume / --last-failed need the heal() plugin in the vitest config\n',
    )
  }
  const code = process.exitCode
  return typeof code === 'number' ? code : code === undefined ? 0 : Number(code) || 1
}
