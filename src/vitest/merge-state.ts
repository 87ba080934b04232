/**
 * Both passes as ONE run in Vitest's own terms, for Vitest's reporters: a module the second pass
 * re-ran is its second-pass module, in which the tests the second pass did not select get their
 * first-pass result back (the second pass reports them skipped), so a test healed in pass 2 is
 * passed and a test bug that pass 2 did not touch is still failed.
 *
 * Why mutate the second pass's tasks rather than build new ones: Vitest's state (`state.getFiles()`,
 * the ids, the reported entities) already holds the second pass's tasks for those modules, and
 * reporters read tasks through those entities; the first pass's modules no longer are in it.
 */
import type { TestModule } from 'vitest/node'
import { moduleKey } from '../core/report.js'
import type { CollectedPass, CollectedTest } from './collector.js'

/** The part of Vitest's runner task (File, Suite, Test) that holds a result. Not public API. */
interface RunnerTask {
  type: 'test' | 'suite'
  name: string
  mode: string
  result?: { state?: string; errors?: unknown[] } & Record<string, unknown>
  meta?: unknown
  annotations?: unknown[]
  artifacts?: unknown[]
  tasks?: RunnerTask[]
}

const taskOf = (entity: unknown): RunnerTask => (entity as { task: RunnerTask }).task

/**
 * For each first-pass module that the second pass re-ran, the second-pass module now carrying
 * the merged results. Modules the second pass did not run are not in the map: their first-pass
 * module is their account.
 */
export function mergeSecondPass(first: CollectedPass, second: CollectedPass): Map<TestModule, TestModule> {
  const selection = second.selection
  // By Vitest's module id, not by project and file: with `typecheck.enabled` one file can be two
  // modules (run and typecheck), and the id, the same in both passes of one process, tells them apart.
  const firstById = new Map(first.modules.map((m) => [m.testModule.id, m.testModule]))
  const replacements = new Map<TestModule, TestModule>()
  for (const module of second.modules) {
    const key = moduleKey(module)
    const earlier = firstById.get(module.testModule.id)
    if (!earlier) continue
    replacements.set(earlier, module.testModule)
    // A module re-run whole (it failed to load in pass 1) has no first-pass test to give back.
    if (!selection || selection.modules.has(key)) continue
    const tests = second.tests.filter((t) => t.testCase.module === module.testModule)
    const firstTests = new Map(
      first.tests.filter((t) => t.testCase.module === earlier).map((t) => [t.key, t]),
    )
    const selected = new Set<RunnerTask>()
    for (const test of tests) {
      if (selection.keys.has(test.key)) selected.add(taskOf(test.testCase))
      else restoreTest(test, firstTests.get(test.key))
    }
    restoreSuites(taskOf(module.testModule), taskOf(earlier), selected)
  }
  return replacements
}

function restoreTest(test: CollectedTest, earlier: CollectedTest | undefined): void {
  if (!earlier) return
  const now = taskOf(test.testCase)
  const then = taskOf(earlier.testCase)
  now.mode = then.mode
  now.result = then.result
  now.meta = then.meta
  if (then.annotations) now.annotations = then.annotations
  if (then.artifacts) now.artifacts = then.artifacts
}

/**
 * A suite none of whose tests pass 2 selected gets its pass-1 result back (pass 2 skipped it); every
 * suite and the module then fail when a child does, since a restored test may be a failed one.
 * Returns whether `now` holds a selected test.
 */
function restoreSuites(now: RunnerTask, then: RunnerTask | undefined, selected: Set<RunnerTask>): boolean {
  const earlierSuites = suitesByName(then)
  let holdsSelected = false
  for (const child of now.tasks ?? []) {
    if (child.type === 'test') {
      holdsSelected ||= selected.has(child)
      continue
    }
    const earlier = earlierSuites.get(child.name)?.shift()
    const childSelected = restoreSuites(child, earlier, selected)
    if (!childSelected && earlier) {
      child.mode = earlier.mode
      child.result = earlier.result
    }
    holdsSelected ||= childSelected
  }
  const childFailed = (now.tasks ?? []).some((child) => child.result?.state === 'fail')
  if (childFailed && now.result?.state !== 'fail') now.result = { ...now.result, state: 'fail' }
  return holdsSelected
}

/** A suite's child suites by name, in order: two describe blocks of one name stay two. */
function suitesByName(suite: RunnerTask | undefined): Map<string, RunnerTask[]> {
  const byName = new Map<string, RunnerTask[]>()
  for (const child of suite?.tasks ?? []) {
    if (child.type !== 'suite') continue
    byName.set(child.name, [...(byName.get(child.name) ?? []), child])
  }
  return byName
}
