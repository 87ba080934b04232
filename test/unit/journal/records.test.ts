import { describe, expect, it } from 'vitest'
import type { TestReport, TryRecord } from '../../../src/core/report.js'
import {
  foldJournal,
  parseJournal,
  planLastFailed,
  planResume,
  type JournalRecord,
  type JournalRun,
  type StartRecord,
} from '../../../src/journal/records.js'

const passed: TryRecord = { state: 'passed', pass: 1, durationMs: 1, errors: [] }
const bug: TryRecord = {
  state: 'failed',
  pass: 1,
  durationMs: 1,
  errors: [{ name: 'AssertionError', message: 'expected 2 to be 3' }],
  verdict: { kind: 'test-bug', rule: 'vitest.assertion', evidence: 'expected' },
}
const down: TryRecord = {
  state: 'failed',
  pass: 1,
  durationMs: 1,
  errors: [{ name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
  verdict: { kind: 'infra', service: 'db', rule: 'pg-connection-refused', evidence: 'ECONNREFUSED' },
}

function report(file: string, name: string, tries: TryRecord[]): TestReport {
  const last = tries.at(-1)
  return {
    file,
    name,
    outcome: !last ? 'skipped' : last.state === 'passed' ? 'passed' : 'failed',
    cause: last?.state === 'failed' ? 'test-bug' : null,
    service: null,
    rule: null,
    attempts: tries.length,
    tries,
  }
}

function lines(records: JournalRecord[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('')
}

const start: StartRecord = {
  t: 'start',
  v: 1,
  runId: 'r1',
  startedAt: '2026-11-30T00:00:00.000Z',
  pid: 1,
  files: [{ file: 'a.test.ts' }, { file: 'b.test.ts' }, { file: 'c.test.ts' }],
  mode: 'run',
}

function run(records: JournalRecord[]): JournalRun {
  const folded = foldJournal(parseJournal(lines(records)))
  if (!folded) throw new Error('no run')
  return folded
}

describe('parseJournal', () => {
  it('ignores a torn last line and keeps every whole record before it', () => {
    const text = `${lines([start])}{"t":"test","id":"a_0","pa`
    const parsed = parseJournal(text)
    expect(parsed.records).toEqual([start])
    expect(parsed.ignored).toBe(1)
  })

  it('a journal with no whole start record is no run', () => {
    expect(foldJournal(parseJournal('{"t":"sta'))).toBeUndefined()
  })
})

describe('foldJournal', () => {
  it('joins a test second pass tries to its first and recomputes the outcome', () => {
    const folded = run([
      start,
      { t: 'test', id: 'a_0', pass: 1, test: report('a.test.ts', 'x', [down]) },
      { t: 'test', id: 'a_0', pass: 2, test: report('a.test.ts', 'x', [{ ...passed, pass: 2 }]) },
    ])
    expect(folded.tests.get('a_0')?.tries).toHaveLength(2)
    expect(folded.tests.get('a_0')?.outcome).not.toBe('failed')
  })

  it('is complete only with an end record that was not cancelled', () => {
    expect(run([start]).complete).toBe(false)
    const end = { t: 'end', at: 'now', outcome: 'failed' } as const
    expect(run([start, end]).complete).toBe(true)
    expect(run([start, { ...end, interrupted: true }]).complete).toBe(false)
  })
})

describe('planResume', () => {
  const dead = run([
    start,
    { t: 'collected', file: 'a.test.ts', ids: ['a_0', 'a_1', 'a_2'] },
    { t: 'test', id: 'a_0', pass: 1, test: report('a.test.ts', 'one', [passed]) },
    { t: 'test', id: 'a_1', pass: 1, test: report('a.test.ts', 'two', [bug]) },
    { t: 'collected', file: 'b.test.ts', ids: ['b_0'] },
    { t: 'test', id: 'b_0', pass: 1, test: report('b.test.ts', 'three', [passed]) },
    { t: 'module', file: 'b.test.ts', pass: 1, errors: 1 },
  ])

  it('runs the failed and never-reached tests of a collected file, carries the passed ones', () => {
    const plan = planResume(dead)
    expect(plan.files[0]).toEqual({ file: 'a.test.ts', ids: ['a_1', 'a_2'] })
    expect(plan.carried.map((c) => c.id)).toEqual(['a_0'])
  })

  it('runs whole a file whose own hooks threw (nothing of it carried) and a file never collected', () => {
    expect(planResume(dead).files.slice(1)).toEqual([{ file: 'b.test.ts' }, { file: 'c.test.ts' }])
  })

  it('of a run that was itself selective, runs only within its selection', () => {
    const partial = run([
      { ...start, files: [{ file: 'a.test.ts', ids: ['a_1', 'a_2'] }] },
      { t: 'collected', file: 'a.test.ts', ids: ['a_0', 'a_1', 'a_2'] },
      { t: 'test', id: 'a_1', pass: 1, test: report('a.test.ts', 'two', [passed]) },
    ])
    expect(planResume(partial).files).toEqual([{ file: 'a.test.ts', ids: ['a_2'] }])
  })
})

describe('planResume of a resumed run that died too', () => {
  const resumed = run([
    { ...start, mode: 'resume', files: [{ file: 'a.test.ts', ids: ['a_1', 'a_2'] }] },
    { t: 'test', id: 'a_0', pass: 1, carried: true, test: report('a.test.ts', 'one', [passed]) },
    { t: 'collected', file: 'a.test.ts', ids: ['a_0', 'a_1', 'a_2'] },
    { t: 'test', id: 'a_1', pass: 1, test: report('a.test.ts', 'two', [passed]) },
  ])

  it('carries what it carried and what it passed, and runs only the rest', () => {
    const plan = planResume(resumed)
    expect(plan.carried.map((c) => c.id)).toEqual(['a_0', 'a_1'])
    expect(plan.files).toEqual([{ file: 'a.test.ts', ids: ['a_2'] }])
  })

  it('a file of it whose hooks threw runs its selection again, and none of that selection is carried', () => {
    const plan = planResume(
      run([...resumedRecords(), { t: 'module', file: 'a.test.ts', pass: 1, errors: 1 }]),
    )
    expect(plan.files).toEqual([{ file: 'a.test.ts', ids: ['a_1', 'a_2'] }])
    expect(plan.carried.map((c) => c.id)).toEqual(['a_0'])
  })

  function resumedRecords(): JournalRecord[] {
    return [
      { ...start, mode: 'resume', files: [{ file: 'a.test.ts', ids: ['a_1', 'a_2'] }] },
      { t: 'test', id: 'a_0', pass: 1, carried: true, test: report('a.test.ts', 'one', [passed]) },
      { t: 'test', id: 'a_1', pass: 1, test: report('a.test.ts', 'two', [passed]) },
    ]
  }
})

describe('planLastFailed', () => {
  it('runs exactly the failed tests, and whole the files whose own hooks threw', () => {
    const done = run([
      start,
      { t: 'test', id: 'a_0', pass: 1, test: report('a.test.ts', 'one', [passed]) },
      { t: 'test', id: 'a_1', pass: 1, test: report('a.test.ts', 'two', [bug]) },
      { t: 'module', file: 'c.test.ts', pass: 1, errors: 1 },
      { t: 'end', at: 'now', outcome: 'failed' },
    ])
    expect(planLastFailed(done).files).toEqual([{ file: 'a.test.ts', ids: ['a_1'] }, { file: 'c.test.ts' }])
  })
})
