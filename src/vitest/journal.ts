/**
 * The run journal (journal/records.ts): a reporter in the main process that appends what each test
 * ended with as it ends, so that a runner killed mid-run (SIGKILL, out of memory, a CI timeout)
 * leaves behind what it had done, and `vitest-heal run --resume` runs only the rest.
 *
 * Records are redacted like the reports. A journal that cannot be written costs one status line,
 * never the run.
 */
import type { Reporter, TestCase, TestModule, TestSpecification } from 'vitest/node'
import type { RunReport } from '../core/report.js'
import type { Rule, ServiceRef } from '../core/types.js'
import { JournalWriter, journalDir, newRunId } from '../journal/file.js'
import type { JournalFile, JournalRecord, StartRecord, TestRecord } from '../journal/records.js'
import { redactReport } from '../reporters/view.js'
import { testReportOf } from './build-report.js'
import { collectTestCase } from './collector.js'
import { relativeFile } from './paths.js'

export interface JournalContext {
  /** Absolute. */
  reportDir: string
  redact: RegExp[]
  services: ServiceRef[]
  rules: Rule[]
  vitestVersion: string
  warn: (text: string) => void
}

/** What a `--resume` or `--last-failed` run writes first: how it was started, and what it carries. */
export interface JournalOrigin {
  mode: StartRecord['mode']
  resumedFrom?: StartRecord['resumedFrom']
  carried: { id: string; test: TestRecord['test'] }[]
}

export class RunJournal implements Reporter {
  private writer: JournalWriter | undefined
  private context: JournalContext | undefined
  /** Per file of the current pass, the test ids it was asked to run (absent: all of them). */
  private selected = new Map<string, ReadonlySet<string>>()
  private readonly indexes = new WeakMap<TestModule, Map<string, number>>()
  origin: JournalOrigin = { mode: 'run', carried: [] }

  /**
   * @param contextOf undefined while the journal is off (watch mode, `journal: false`, no session yet)
   * @param passOf which pass is running (the second pass re-runs what an outage broke)
   */
  constructor(
    private readonly contextOf: () => JournalContext | undefined,
    private readonly passOf: () => 1 | 2,
  ) {}

  get path(): string | undefined {
    return this.writer?.path
  }

  onTestRunStart(specifications: ReadonlyArray<TestSpecification>): void {
    this.selected = new Map()
    for (const spec of specifications) {
      if (spec.testIds) this.selected.set(spec.moduleId, new Set(spec.testIds))
    }
    if (this.passOf() !== 1) return
    this.close()
    this.context = this.contextOf()
    if (!this.context) return
    const startedAt = new Date()
    const files: JournalFile[] = specifications.map((spec) => ({
      ...(spec.project.name ? { project: spec.project.name } : {}),
      file: relativeFile(spec.project.config.root, spec.moduleId),
      ...(spec.testIds ? { ids: [...spec.testIds] } : {}),
    }))
    this.guard(() => {
      const context = this.context as JournalContext
      const runId = newRunId(startedAt, process.pid)
      this.writer = new JournalWriter(journalDir(context.reportDir), runId)
      this.write({
        t: 'start',
        v: 1,
        runId,
        startedAt: startedAt.toISOString(),
        pid: process.pid,
        vitestVersion: context.vitestVersion,
        files,
        mode: this.origin.mode,
        ...(this.origin.resumedFrom ? { resumedFrom: this.origin.resumedFrom } : {}),
      })
      for (const { id, test } of this.origin.carried)
        this.write({ t: 'test', id, pass: 1, carried: true, test })
      this.writer?.sync()
    })
  }

  onTestModuleCollected(module: TestModule): void {
    if (!this.writer || this.passOf() !== 1) return
    const ids = [...module.children.allTests()].map((t) => t.id)
    this.write({ t: 'collected', ...this.where(module), ids })
  }

  onTestCaseResult(testCase: TestCase): void {
    const context = this.context
    if (!this.writer || !context) return
    // A test its file's specification did not select comes back skipped: it ran elsewhere, or not at all.
    if (this.selected.get(testCase.module.moduleId)?.has(testCase.id) === false) return
    this.guard(() => {
      const where = { project: undefined, ...this.where(testCase.module) }
      const collected = collectTestCase(
        { ...where, index: this.indexOf(testCase), pass: this.passOf() },
        testCase,
      )
      const test = testReportOf(collected, context)
      this.write({ t: 'test', id: testCase.id, pass: this.passOf(), test })
    })
  }

  /** A file's end is where its records reach the disk: one fsync per file, not per test. */
  onTestModuleEnd(module: TestModule): void {
    if (!this.writer) return
    const errors =
      module.errors().length + [...module.children.allSuites()].filter((s) => s.errors().length > 0).length
    if (errors > 0) this.write({ t: 'module', ...this.where(module), pass: this.passOf(), errors })
    this.writer.syncSoon()
  }

  /** What is written so far, on the disk now (a prediction's checkpoint); false when no journal is open. */
  checkpoint(): boolean {
    if (!this.writer) return false
    this.guard(() => this.writer?.sync())
    return this.writer !== undefined
  }

  /** After the reports: the run is complete (or was cancelled, which `--resume` then completes). */
  end(report: RunReport, interrupted: boolean): void {
    if (!this.writer) return
    this.write({
      t: 'end',
      at: new Date().toISOString(),
      outcome: report.outcome,
      ...(interrupted ? { interrupted: true as const } : {}),
    })
    this.close()
  }

  close(): void {
    const writer = this.writer
    this.writer = undefined
    if (writer) this.guard(() => writer.close())
  }

  private write(record: JournalRecord): void {
    const context = this.context
    if (!context) return
    // Redacted like every report: test names and error texts may hold what the user masks.
    this.guard(() => this.writer?.append(redactReport(record as never, context.redact) as never))
  }

  private guard(action: () => void): void {
    try {
      action()
    } catch (error) {
      this.writer = undefined
      // Worded apart from the reports' "could not be written" lines: one line per failing file report.
      this.context?.warn(
        `no run journal (${(error as Error).message ?? error}): --resume will not know this run`,
      )
    }
  }

  private where(module: TestModule): { project?: string; file: string } {
    const project = module.project.name
    return {
      ...(project ? { project } : {}),
      file: relativeFile(module.project.config.root, module.moduleId),
    }
  }

  /** Position among the tests of the same full name in its file, as the collector counts it. */
  private indexOf(testCase: TestCase): number {
    let indexes = this.indexes.get(testCase.module)
    if (!indexes) {
      indexes = new Map()
      const seen = new Map<string, number>()
      for (const test of testCase.module.children.allTests()) {
        const index = seen.get(test.fullName) ?? 0
        seen.set(test.fullName, index + 1)
        indexes.set(test.id, index)
      }
      this.indexes.set(testCase.module, indexes)
    }
    return indexes.get(testCase.id) ?? 0
  }
}
