/**
 * A Vitest reporter that only listens: it keeps, per pass, what each test module, suite and test
 * ended with, so both passes can be merged into one report after the run. It writes nothing itself.
 */
import type { Reporter, SerializedError, TestCase, TestModule, TestSuite } from 'vitest/node'
import { testKey } from '../core/report.js'
import { lineInTestFile } from '../core/test-location.js'
import type { ErrorLike } from '../core/types.js'
import { relativeFile } from './paths.js'
import type { InlineHealedFailure, TaskHealMeta } from './worker-config.js'

export interface CollectedTest {
  /**
   * testKey(): project, file, full name and index. The one identity of a test across passes: the
   * second pass selects by it and the report merges by it.
   */
  key: string
  /** The Vitest project's name; undefined for the unnamed project of a config without projects. */
  project: string | undefined
  file: string
  name: string
  /** Position among the tests of the same full name in its module, in collection order; absent = 0. */
  index?: number
  line?: number
  pass: 1 | 2
  state: 'passed' | 'failed' | 'skipped' | 'pending'
  /** Errors of every try, in order. */
  errors: ErrorLike[]
  /** Errors of the closest suite or module that failed around it (a `beforeAll` that threw). */
  hostErrors: ErrorLike[]
  meta: TaskHealMeta | undefined
  /** Failures a helper healed inside a try through the coordinator (the Selenium fixture's page loads). */
  inlineHeals: InlineHealedFailure[]
  tags: string[]
  durationMs: number
  startTime: number | undefined
  retryCount: number
  /** Files a test attached (screenshots, page sources), absolute paths. */
  attachments: { name: string; path: string; contentType?: string }[]
  testCase: TestCase
}

export interface CollectedModule {
  project: string | undefined
  file: string
  pass: 1 | 2
  /** Errors of the file's own hooks (`beforeAll`/`afterAll` at top level) and of its top level. */
  errors: ErrorLike[]
  /** Describe blocks whose hooks threw, with their errors; suites without errors are left out. */
  suites: CollectedSuite[]
  testModule: TestModule
}

export interface CollectedSuite {
  /** Full name: `outer > inner`. */
  name: string
  errors: ErrorLike[]
}

export interface CollectedPass {
  tests: CollectedTest[]
  modules: CollectedModule[]
  unhandledErrors: ErrorLike[]
  reason: string
  /**
   * For a second pass: what it was asked to re-run. The tests it did not select come back as skipped
   * and must not overwrite their first-pass result.
   */
  selection?: { keys: Set<string>; modules: Set<string> }
}

export class HealCollector implements Reporter {
  readonly passes: CollectedPass[] = []
  pass: 1 | 2 = 1

  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: string,
  ): void {
    const collected: CollectedPass = {
      tests: [],
      modules: [],
      unhandledErrors: unhandledErrors.map((e) => e as unknown as ErrorLike),
      reason,
    }
    for (const testModule of testModules) {
      const file = relativeFile(testModule.project.config.root, testModule.moduleId)
      const project = testModule.project.name || undefined
      const suites: CollectedSuite[] = []
      for (const suite of testModule.children.allSuites()) {
        const errors = suite.errors()
        if (errors.length > 0) suites.push({ name: suite.fullName, errors: asErrors(errors) })
      }
      // Vitest runs two tests of one full name as two: the index keeps them apart in every report.
      const seen = new Map<string, number>()
      for (const testCase of testModule.children.allTests()) {
        const index = seen.get(testCase.fullName) ?? 0
        seen.set(testCase.fullName, index + 1)
        collected.tests.push(this.collectTest(project, file, testCase, index))
      }
      collected.modules.push({
        project,
        file,
        pass: this.pass,
        errors: asErrors(testModule.errors()),
        suites,
        testModule,
      })
    }
    this.passes.push(collected)
  }

  private collectTest(
    project: string | undefined,
    file: string,
    testCase: TestCase,
    index: number,
  ): CollectedTest {
    return collectTestCase({ project, file, index, pass: this.pass }, testCase)
  }
}

/** What one finished test ended with; also read by the run journal as each test ends. */
export function collectTestCase(
  where: { project: string | undefined; file: string; index: number; pass: 1 | 2 },
  testCase: TestCase,
): CollectedTest {
  const { project, file, index } = where
  const result = testCase.result()
  const diagnostic = testCase.diagnostic()
  const errors = asErrors(result.errors ?? [])
  const around = hostErrors(testCase)
  return {
    key: testKey({ project, file, name: testCase.fullName, index }),
    project,
    file,
    name: testCase.fullName,
    ...(index > 0 ? { index } : {}),
    // Vitest's own location when the user turned includeTaskLocation on; else where the failure points.
    line: testCase.location?.line ?? lineInTestFile([...errors, ...around], testCase.module.moduleId),
    pass: where.pass,
    state: result.state,
    errors,
    hostErrors: around,
    meta: testCase.meta().vitestHeal,
    inlineHeals: testCase.meta().vitestHealInline ?? [],
    tags: [...(testCase.tags ?? [])],
    durationMs: diagnostic?.duration ?? 0,
    startTime: diagnostic?.startTime,
    retryCount: diagnostic?.retryCount ?? 0,
    attachments: attachmentsOf(testCase),
    testCase,
  }
}

/** Files attached through `recordArtifact` (artifacts, 4.1+) or `context.annotate(…, attachment)`. */
function attachmentsOf(testCase: TestCase): CollectedTest['attachments'] {
  type Attachment = { name?: string; path?: string; contentType?: string }
  const withFiles = testCase as {
    artifacts?: () => ReadonlyArray<{ type: string; attachments?: Attachment[] }>
    annotations?: () => ReadonlyArray<{ type: string; attachment?: Attachment }>
  }
  const candidates: { label: string; attachment: Attachment }[] = [
    ...(withFiles.artifacts?.() ?? []).flatMap((a) =>
      (a.attachments ?? []).map((attachment) => ({ label: a.type, attachment })),
    ),
    ...(withFiles.annotations?.() ?? []).flatMap((a) =>
      a.attachment ? [{ label: a.type, attachment: a.attachment }] : [],
    ),
  ]
  const found: CollectedTest['attachments'] = []
  for (const { label, attachment } of candidates) {
    if (typeof attachment.path !== 'string' || found.some((f) => f.path === attachment.path)) continue
    found.push({
      name: attachment.name ?? label,
      path: attachment.path,
      ...(attachment.contentType ? { contentType: attachment.contentType } : {}),
    })
  }
  return found
}

function hostErrors(testCase: TestCase): ErrorLike[] {
  let parent: TestSuite | TestModule = testCase.parent
  for (;;) {
    const errors = parent.errors()
    if (errors.length > 0) return asErrors(errors)
    if (parent.type === 'module') return []
    parent = parent.parent
  }
}

function asErrors(errors: ReadonlyArray<unknown>): ErrorLike[] {
  return errors.map((e) => (typeof e === 'object' && e !== null ? (e as ErrorLike) : { message: String(e) }))
}
