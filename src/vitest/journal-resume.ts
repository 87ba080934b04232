/**
 * `vitest-heal run --resume` and `--last-failed`: the run is started from the last journal instead
 * of the whole suite. The CLI asks (requestFromJournal); the run controller, which knows the report
 * directory only once the config is loaded, answers in `vitest.start` (startFromJournal).
 *
 * Tests are selected by Vitest's test id, one specification per file (`createSpecification(moduleId,
 * { testIds })`, 4.1 and 5.x): the ids are stable for the same file and Vitest version, so the
 * selection needs no collection pass of its own. Files the dead run never collected run whole.
 */
import type { TestCase, TestRunResult, TestSpecification, Vitest } from 'vitest/node'
import { moduleKey, type TestReport } from '../core/report.js'
import { journalDir, lastCompleteRun, lastRun, type ReadRun } from '../journal/file.js'
import { planLastFailed, planResume, type JournalFile, type JournalPlan } from '../journal/records.js'
import type { StatusTone } from '../session/status.js'
import type { CollectedPass } from './collector.js'
import type { RunJournal } from './journal.js'
import { relativeFile } from './paths.js'

export type JournalMode = 'resume' | 'last-failed'

/** The CLI and the plugin may be two copies of this module (the config is bundled): a global joins them. */
const REQUEST = Symbol.for('vitest-heal.journal-request')
type Holder = Record<symbol, JournalMode | undefined>

export function requestFromJournal(mode: JournalMode): void {
  ;(globalThis as unknown as Holder)[REQUEST] = mode
}

/** The pending request, once: a second `start` in the same process is a plain run. */
export function takeJournalRequest(): JournalMode | undefined {
  const holder = globalThis as unknown as Holder
  const mode = holder[REQUEST]
  holder[REQUEST] = undefined
  return mode
}

/** What the report of a run started from the journal needs besides its own passes. */
export interface FromJournal {
  /** Tests the dead run had done, reported as they were then. */
  carried: TestReport[]
  resumedFrom?: { runId: string; startedAt: string }
  /** Marks the tests this run selected, so the unselected ones (reported as skipped) stay out of the report. */
  select(pass: CollectedPass): void
}

export type JournalStart =
  | { kind: 'run'; result: TestRunResult; fromJournal: FromJournal }
  /** Nothing to run: the last run completed (`--resume`) or had no failure (`--last-failed`). */
  | { kind: 'nothing'; exitCode: number }
  /** No journal to start from: the whole suite runs, as without the flag. */
  | { kind: 'everything' }

export interface JournalStartOptions {
  reportDir: string
  journal: RunJournal
  status: (tone: StatusTone, text: string) => void
  filters: string[] | undefined
}

export async function startFromJournal(
  vitest: Vitest,
  mode: JournalMode,
  options: JournalStartOptions,
): Promise<JournalStart> {
  const dir = journalDir(options.reportDir)
  const say = options.status
  const run = mode === 'resume' ? lastRun(dir) : lastCompleteRun(dir)
  const flag = `--${mode}`
  if (!run) {
    say('warn', `${flag}: no ${mode === 'resume' ? '' : 'complete '}run in ${dir}: running every test`)
    return { kind: 'everything' }
  }
  const torn = run.ignored > 0 ? ` (${run.ignored} torn record(s) ignored)` : ''
  if (mode === 'resume' && run.complete) {
    say(
      'info',
      `--resume: the last run (${run.start.runId}) completed, ${run.end?.outcome}: nothing to resume`,
    )
    return { kind: 'nothing', exitCode: run.end?.outcome === 'passed' ? 0 : 1 }
  }
  const plan = sameIds(run, vitest.version, say, mode === 'resume' ? planResume(run) : planLastFailed(run))
  const count = plan.files.reduce((sum, f) => sum + (f.ids?.length ?? 0), 0)
  const whole = plan.files.filter((f) => !f.ids).length
  if (mode === 'last-failed' && plan.files.length === 0) {
    say('info', `--last-failed: nothing failed in the last complete run (${run.start.runId})`)
    return { kind: 'nothing', exitCode: 0 }
  }
  say(
    'working',
    mode === 'resume'
      ? `--resume: run ${run.start.runId} died; ${plan.carried.length} test(s) done there are carried over, running ${count} test(s) and ${whole} whole file(s) it had not passed${torn}`
      : `--last-failed: re-running ${count} failed test(s) and ${whole} whole file(s) of run ${run.start.runId}`,
  )
  options.journal.origin = {
    mode,
    ...(mode === 'resume' ? { resumedFrom: { runId: run.start.runId, startedAt: run.start.startedAt } } : {}),
    carried: plan.carried,
  }
  const specs = await specifications(vitest, plan.files, options.filters, say)
  await vitest.standalone()
  const result =
    specs.length > 0 ? await runUnsharded(vitest, specs) : { testModules: [], unhandledErrors: [] }
  return {
    kind: 'run',
    result: result as TestRunResult,
    fromJournal: {
      carried: plan.carried.map((c) => c.test),
      ...(mode === 'resume'
        ? { resumedFrom: { runId: run.start.runId, startedAt: run.start.startedAt } }
        : {}),
      select: (pass) => {
        const lost = select(pass, specs)
        // Ids of a file edited since the dead run point at nothing (or at other tests): say so.
        if (lost > 0)
          say('warn', `${lost} test id(s) of the journal matched no test: were the files changed?`)
      },
    },
  }
}

/**
 * Test ids are stable within one Vitest version only (4.x and 5.x number them differently): with
 * another version, the unfinished files run whole and nothing of them is carried.
 */
function sameIds(
  run: ReadRun,
  version: string,
  say: JournalStartOptions['status'],
  plan: JournalPlan,
): JournalPlan {
  if (!run.start.vitestVersion || run.start.vitestVersion === version) return plan
  say('warn', `the journal is of Vitest ${run.start.vitestVersion}, this is ${version}: files run whole`)
  const files = plan.files.map((f) => (f.project ? { project: f.project, file: f.file } : { file: f.file }))
  const rerun = new Set(files.map(moduleKey))
  return { files, carried: plan.carried.filter((c) => !rerun.has(moduleKey(c.test))) }
}

/** One specification per planned file, from the files Vitest finds for these filters. */
async function specifications(
  vitest: Vitest,
  files: JournalFile[],
  filters: string[] | undefined,
  say: JournalStartOptions['status'],
): Promise<TestSpecification[]> {
  const found = new Map<string, TestSpecification>()
  for (const spec of await vitest.getRelevantTestSpecifications(filters)) {
    const project = spec.project.name || undefined
    found.set(moduleKey({ project, file: relativeFile(spec.project.config.root, spec.moduleId) }), spec)
  }
  const specs: TestSpecification[] = []
  const missing: string[] = []
  for (const file of files) {
    const spec = found.get(moduleKey(file))
    if (!spec) missing.push(file.file)
    else if (!file.ids) specs.push(spec)
    else specs.push(spec.project.createSpecification(spec.moduleId, { testIds: file.ids }, spec.pool))
  }
  if (missing.length > 0) say('warn', `not test files here any more, not run: ${missing.join(', ')}`)
  return specs
}

/** The plan is already this shard's: Vitest must not shard it again (it refuses fewer files than shards). */
async function runUnsharded(vitest: Vitest, specs: TestSpecification[]): Promise<TestRunResult> {
  const config = vitest.config as { shard?: unknown }
  const shard = config.shard
  config.shard = undefined
  try {
    return await vitest.runTestSpecifications(specs, false)
  } finally {
    config.shard = shard
  }
}

/**
 * The tests of this run's specifications: a file run whole, or the ids asked for. Returns how many
 * ids asked for were not among the file's tests.
 */
function select(pass: CollectedPass, specs: TestSpecification[]): number {
  const ids = new Map<string, ReadonlySet<string> | undefined>()
  for (const spec of specs) ids.set(spec.moduleId, spec.testIds ? new Set(spec.testIds) : undefined)
  const chosen = (testCase: TestCase) => {
    const wanted = ids.get(testCase.module.moduleId)
    return wanted === undefined || wanted.has(testCase.id)
  }
  const selected = pass.tests.filter((t) => chosen(t.testCase))
  pass.selection = { keys: new Set(selected.map((t) => t.key)), modules: new Set() }
  const asked = specs.reduce((sum, spec) => sum + (spec.testIds?.length ?? 0), 0)
  const found = selected.filter((t) => ids.get(t.testCase.module.moduleId) !== undefined).length
  return asked - found
}
