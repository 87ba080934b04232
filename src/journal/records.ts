/**
 * The run journal's records and what a journal says once read back: which run it was, whether it
 * ended, which tests are done and which are still to run. Pure: the file is read and written in
 * journal/file.ts, the records are made by the Vitest reporter in vitest/journal.ts.
 *
 * One JSON object per line, appended as the run goes. A run killed mid-write leaves at most one torn
 * line at the end; it is dropped on read, so a record is either there whole or not at all.
 */
import { computeOutcome } from '../core/outcome.js'
import { moduleKey, type RunReport, type TestReport } from '../core/report.js'

/** A test file of the run, as planned at its start; `ids` when only these tests of it were to run. */
export interface JournalFile {
  project?: string
  /** Relative to the project root, `/`-separated (as in report.json). */
  file: string
  ids?: string[]
}

export interface StartRecord {
  t: 'start'
  v: 1
  runId: string
  startedAt: string
  pid: number
  vitestVersion?: string
  files: JournalFile[]
  /** How this run was started: a plain run, `--resume` or `--last-failed`. */
  mode: 'run' | 'resume' | 'last-failed'
  /** The dead run this one completes (`--resume`). */
  resumedFrom?: { runId: string; startedAt: string }
}

/** Every test of a file, by Vitest's test id, once the file is collected: what "never reached" is measured against. */
export interface CollectedRecord {
  t: 'collected'
  project?: string
  file: string
  ids: string[]
}

/**
 * One test's result in one pass: its report entry with the tries of this pass. `carried`: copied
 * from the dead run by `--resume`, so a resumed run's journal stands alone.
 */
export interface TestRecord {
  t: 'test'
  /** Vitest's test id: stable for the same file and Vitest version, which is what selects it again. */
  id: string
  pass: 1 | 2
  carried?: true
  test: TestReport
}

/** A file whose own hooks or top level threw: it is run again whole, as nothing of it can be carried. */
export interface ModuleRecord {
  t: 'module'
  project?: string
  file: string
  pass: 1 | 2
  errors: number
}

export interface EndRecord {
  t: 'end'
  at: string
  outcome: RunReport['outcome']
  /** Cancelled (Ctrl-C, bail): the run ended but did not run everything; `--resume` completes it. */
  interrupted?: true
}

export type JournalRecord = StartRecord | CollectedRecord | TestRecord | ModuleRecord | EndRecord

export interface ParsedJournal {
  records: JournalRecord[]
  /** Lines that were not a whole record: the torn last line of a killed run. */
  ignored: number
}

/** The records of a journal's text; a line that is not a whole JSON record is ignored. */
export function parseJournal(text: string): ParsedJournal {
  const lines = text.split('\n')
  // Every whole record ends with a newline: what follows the last one was cut mid-write.
  const torn = lines.pop() ?? ''
  let ignored = torn.length > 0 ? 1 : 0
  const records: JournalRecord[] = []
  for (const line of lines) {
    if (line.length === 0) continue
    try {
      const record = JSON.parse(line) as JournalRecord
      if (record && typeof record === 'object' && typeof record.t === 'string') records.push(record)
      else ignored++
    } catch {
      ignored++
    }
  }
  return { records, ignored }
}

/** One run as its journal tells it. */
export interface JournalRun {
  start: StartRecord
  end?: EndRecord
  /** Ended and not cancelled: every planned test ran. */
  complete: boolean
  /** Test ids of each collected file, by moduleKey. */
  collected: Map<string, string[]>
  /** The latest account of each test by id: tries of both passes joined, outcome recomputed. */
  tests: Map<string, TestReport>
  /** Files (moduleKey) whose own hooks or top level threw. */
  moduleErrors: Set<string>
  ignored: number
}

/** The run of a journal; undefined when it has no start record (nothing was written whole). */
export function foldJournal(parsed: ParsedJournal): JournalRun | undefined {
  const start = parsed.records.find((r): r is StartRecord => r.t === 'start')
  if (!start) return undefined
  const run: JournalRun = {
    start,
    complete: false,
    collected: new Map(),
    tests: new Map(),
    moduleErrors: new Set(),
    ignored: parsed.ignored,
  }
  for (const record of parsed.records) {
    if (record.t === 'collected') run.collected.set(moduleKey(record), record.ids)
    else if (record.t === 'module' && record.errors > 0) run.moduleErrors.add(moduleKey(record))
    else if (record.t === 'test') run.tests.set(record.id, joined(run.tests.get(record.id), record))
    else if (record.t === 'end') {
      run.end = record
      run.complete = !record.interrupted
    }
  }
  return run
}

/** A second-pass record after the first: one test, both passes' tries, as build-report joins them. */
function joined(earlier: TestReport | undefined, record: TestRecord): TestReport {
  if (!earlier || record.carried) return record.test
  const tries = [...(earlier.tries ?? []), ...(record.test.tries ?? [])]
  return { ...record.test, ...computeOutcome(tries), tries }
}

/** What a run left to do: the files to run (all of a file, or only some test ids) and what is carried. */
export interface JournalPlan {
  files: JournalFile[]
  /** Tests done in the journal's run, with their ids: they go into the merged report as they are. */
  carried: { id: string; test: TestReport }[]
}

function isDone(test: TestReport | undefined): boolean {
  return test !== undefined && test.outcome !== 'failed'
}

/**
 * `--resume`: every planned test that is not done — failed, or never reached — in the same files;
 * a file never collected runs whole, a file whose own hooks threw runs whole again (none of it carried).
 */
export function planResume(run: JournalRun): JournalPlan {
  const files: JournalFile[] = []
  /** What runs again, so nothing of it is carried: whole files by moduleKey, and test ids. */
  const whole = new Set<string>()
  const again = new Set<string>()
  for (const planned of run.start.files) {
    const key = moduleKey(planned)
    const candidates = planned.ids ?? run.collected.get(key)
    let ids: string[] | undefined
    if (candidates !== undefined && run.moduleErrors.has(key)) ids = planned.ids
    else if (candidates !== undefined) ids = candidates.filter((id) => !isDone(run.tests.get(id)))
    if (ids === undefined) {
      files.push(withoutIds(planned))
      whole.add(key)
    } else if (ids.length > 0) {
      files.push({ ...withoutIds(planned), ids })
      for (const id of ids) again.add(id)
    }
  }
  // Every done test, not only the planned ones: a resumed run that died again carries what it carried.
  const carried: JournalPlan['carried'] = []
  for (const [id, test] of run.tests) {
    if (isDone(test) && !again.has(id) && !whole.has(moduleKey(test))) carried.push({ id, test })
  }
  return { files, carried }
}

/** `--last-failed`: the tests of a complete run whose outcome is failed; a file whose own hooks threw runs whole. */
export function planLastFailed(run: JournalRun): JournalPlan {
  const failedByFile = new Map<string, string[]>()
  for (const [id, test] of run.tests) {
    if (isDone(test)) continue
    const key = moduleKey(test)
    failedByFile.set(key, [...(failedByFile.get(key) ?? []), id])
  }
  const files: JournalFile[] = []
  for (const planned of run.start.files) {
    const key = moduleKey(planned)
    if (run.moduleErrors.has(key)) files.push(withoutIds(planned))
    else {
      const ids = failedByFile.get(key)
      if (ids) files.push({ ...withoutIds(planned), ids })
    }
  }
  return { files, carried: [] }
}

function withoutIds(file: JournalFile): JournalFile {
  return file.project ? { project: file.project, file: file.file } : { file: file.file }
}
