/**
 * `vitest-heal run --resume | --last-failed [vitest args]`: the two flags are ours, not Vitest's,
 * so they are taken out of the arguments before Vitest parses them, and handed to the run
 * controller, which starts the run from the last journal (src/vitest/journal-resume.ts).
 */
import { requestFromJournal, type JournalMode } from '../vitest/journal-resume.js'

const FLAGS: Record<string, JournalMode> = { '--resume': 'resume', '--last-failed': 'last-failed' }

/** The Vitest arguments without our flags, and which one was given (at most one). */
export function journalFlags(args: readonly string[]): {
  mode: JournalMode | undefined
  vitestArgs: string[]
} {
  const modes = new Set(args.flatMap((a) => (FLAGS[a] ? [FLAGS[a]] : [])))
  if (modes.size > 1) throw new Error('vitest-heal run: --resume and --last-failed exclude each other')
  return { mode: [...modes][0], vitestArgs: args.filter((a) => !FLAGS[a]) }
}

/** Asks the run about to start to start from the journal. */
export function applyJournalFlags(args: readonly string[]): string[] {
  const { mode, vitestArgs } = journalFlags(args)
  if (mode) requestFromJournal(mode)
  return vitestArgs
}
