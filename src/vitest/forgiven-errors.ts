/**
 * Errors outside tests that our report forgives (infra of a recovered outage, or repaired by the
 * second pass) are left out of what Vitest's reporters are told, so that Vitest's json, junit,
 * blob and summary give the healed verdict too. The report decides (outside-errors.ts); this
 * only finds, for each of its entries, the error object Vitest holds.
 */
import type { TestModule } from 'vitest/node'
import type { RunReport } from '../core/report.js'
import type { CollectedPass } from './collector.js'

/**
 * The error objects our report forgives. The report lists, pass by pass, each module's own
 * errors, its suites' errors, then the pass's unhandled errors; should it not (a count that
 * differs), nothing is forgiven: Vitest's reporters then fail the run rather than hide an error.
 */
export function forgivenErrors(passes: ReadonlyArray<CollectedPass>, report: RunReport): Set<unknown> {
  const forgiven = new Set<unknown>()
  const entries = report.errors
  if (!entries) {
    // A report without errors[] lists the unhandled errors alone.
    const unhandled = passes.flatMap((pass) => pass.unhandledErrors)
    const verdicts = report.unhandledErrors ?? []
    if (verdicts.length === unhandled.length)
      unhandled.forEach((error, i) => verdicts[i]!.forgiven && forgiven.add(error))
    return forgiven
  }
  const errors = passes.flatMap((pass) => [
    ...pass.modules.flatMap((module) => [...module.errors, ...module.suites.flatMap((s) => s.errors)]),
    ...pass.unhandledErrors,
  ])
  if (errors.length !== entries.length) return forgiven
  errors.forEach((error, i) => entries[i]!.forgiven && forgiven.add(error))
  return forgiven
}

/** The part of Vitest's runner task (File, Suite, Test) that holds a result. Not public API. */
interface RunnerTask {
  type: 'test' | 'suite'
  result?: { state?: string; errors?: unknown[] } & Record<string, unknown>
  tasks?: RunnerTask[]
}

/**
 * Takes the forgiven errors off the modules' files and suites; a file or suite left with no error
 * and no failed child is no longer failed.
 */
export function dropForgivenErrors(modules: ReadonlyArray<TestModule>, forgiven: ReadonlySet<unknown>): void {
  if (forgiven.size === 0) return
  for (const module of modules) drop((module as unknown as { task: RunnerTask }).task, forgiven)
}

function drop(task: RunnerTask, forgiven: ReadonlySet<unknown>): void {
  for (const child of task.tasks ?? []) if (child.type === 'suite') drop(child, forgiven)
  const errors = task.result?.errors
  if (!errors?.some((e) => forgiven.has(e))) return
  const left = errors.filter((e) => !forgiven.has(e))
  const children = task.tasks ?? []
  const state =
    left.length > 0 || children.some((c) => c.result?.state === 'fail')
      ? 'fail'
      : children.some((c) => c.result?.state === 'pass')
        ? 'pass'
        : 'skip'
  // No `errors` key at all when none is left: junit counts a suite with an `errors` array as failed.
  const { errors: _dropped, ...rest } = task.result!
  task.result = left.length > 0 ? { ...rest, state, errors: left } : { ...rest, state }
}
