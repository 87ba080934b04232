import { describe, expect, test } from 'vitest'
import type { RecoveryRecord } from '../../../src/core/types.js'
import { buildRunReport, type BuildReportInput } from '../../../src/vitest/build-report.js'
import { moduleKey, testKey } from '../../../src/core/report.js'
import type { CollectedModule, CollectedPass, CollectedTest } from '../../../src/vitest/collector.js'

const refused = { name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:5432', code: 'ECONNREFUSED' }
const assertion = { name: 'AssertionError', message: 'expected 6 to be 7' }

function collected(name: string, over: Partial<CollectedTest> = {}): CollectedTest {
  const file = over.file ?? 'test/a.test.ts'
  return {
    key: testKey({ project: over.project, file, name }),
    project: undefined,
    file,
    name,
    pass: 1,
    state: 'passed',
    errors: [],
    hostErrors: [],
    meta: undefined,
    tags: [],
    durationMs: 5,
    startTime: 0,
    retryCount: 0,
    attachments: [],
    inlineHeals: [],
    testCase: undefined as never,
    ...over,
  }
}

function pass(tests: CollectedTest[], over: Partial<CollectedPass> = {}): CollectedPass {
  return { tests, modules: [], unhandledErrors: [], reason: 'passed', ...over }
}

const recovered: RecoveryRecord = {
  service: 'db',
  strategy: 'pg_ctl',
  ok: true,
  trigger: 'inline',
  startedAt: new Date(0).toISOString(),
  durationMs: 120,
  requests: 3,
}

function build(passes: CollectedPass[], over: Partial<BuildReportInput> = {}) {
  return buildRunReport({
    passes,
    services: [{ name: 'db', kind: 'postgres', host: '127.0.0.1', port: 5432 }],
    rules: [],
    records: [],
    timeline: [],
    failOnFlaky: false,
    redact: [],
    startedAt: new Date(0),
    durationMs: 1000,
    reportDir: '/project/.vitest-heal',
    ...over,
  })
}

describe('buildRunReport', () => {
  test('a test skipped by a beforeAll that failed as infra, then passing in the second pass, is healed', () => {
    const first = pass([collected('t', { state: 'skipped', hostErrors: [refused] })])
    const second = pass([collected('t', { pass: 2 })], {
      selection: { keys: new Set([testKey({ file: 'test/a.test.ts', name: 't' })]), modules: new Set() },
    })
    const report = build([first, second], { records: [recovered] })
    expect(report.tests).toEqual([
      expect.objectContaining({ name: 't', outcome: 'healed', cause: 'infra', service: 'db', attempts: 2 }),
    ])
    expect(report.tests[0]!.tries!.map((t) => [t.state, t.pass])).toEqual([
      ['failed', 1],
      ['passed', 2],
    ])
    expect(report.outcome).toBe('passed')
  })

  test('a beforeAll that failed with an assertion stays a failed test bug', () => {
    const report = build([pass([collected('t', { state: 'skipped', hostErrors: [assertion] })])])
    expect(report.tests[0]).toMatchObject({ outcome: 'failed', cause: 'test-bug' })
    expect(report.outcome).toBe('failed')
  })

  test('tests a second pass did not select keep their first-pass result', () => {
    const first = pass([collected('kept'), collected('rerun', { state: 'failed', errors: [refused] })])
    const second = pass([collected('kept', { pass: 2, state: 'skipped' }), collected('rerun', { pass: 2 })], {
      selection: { keys: new Set([testKey({ file: 'test/a.test.ts', name: 'rerun' })]), modules: new Set() },
    })
    const report = build([first, second], { records: [recovered] })
    const byName = new Map(report.tests.map((t) => [t.name, t]))
    expect(byName.get('kept')).toMatchObject({ outcome: 'passed', attempts: 1 })
    expect(byName.get('rerun')).toMatchObject({ outcome: 'healed', attempts: 2 })
  })

  test('a module that failed before collecting a test still fails the run, until a second pass collects it', () => {
    const module: CollectedModule = {
      project: undefined,
      file: 'test/top.test.ts',
      pass: 1,
      errors: [refused],
      testModule: undefined as never,
    }
    const failedOnly = build([pass([], { modules: [module] })])
    expect(failedOnly.tests).toEqual([
      expect.objectContaining({
        file: 'test/top.test.ts',
        name: '(module)',
        outcome: 'failed',
        cause: 'infra',
      }),
    ])
    expect(failedOnly.outcome).toBe('failed')

    const second = pass([collected('v', { file: 'test/top.test.ts', pass: 2 })], {
      selection: { keys: new Set(), modules: new Set([moduleKey({ file: 'test/top.test.ts' })]) },
    })
    const healed = build([pass([], { modules: [module] }), second], { records: [recovered] })
    expect(healed.tests).toEqual([expect.objectContaining({ name: 'v', outcome: 'healed' })])
    expect(healed.outcome).toBe('passed')
  })

  test('the same file in two projects is two tests: a module that failed to load in one is not hidden by the other', () => {
    const apiModule: CollectedModule = {
      project: 'api',
      file: 'test/a.test.ts',
      pass: 1,
      errors: [refused],
      testModule: undefined as never,
    }
    const first = pass([collected('t', { project: 'unit', state: 'failed', errors: [assertion] })], {
      modules: [apiModule],
    })
    const failedToLoad = build([first])
    expect(failedToLoad.tests.map((t) => [t.project, t.name, t.outcome, t.cause])).toEqual([
      ['unit', 't', 'failed', 'test-bug'],
      ['api', '(module)', 'failed', 'infra'],
    ])

    const second = pass([collected('t', { project: 'api', pass: 2 })], {
      selection: { keys: new Set(), modules: new Set([moduleKey(apiModule)]) },
    })
    const healed = build([first, second], { records: [recovered] })
    const byProject = new Map(healed.tests.map((t) => [t.project, t]))
    expect(healed.tests).toHaveLength(2)
    expect(byProject.get('api')).toMatchObject({
      file: 'test/a.test.ts',
      name: 't',
      outcome: 'healed',
      attempts: 2,
    })
    expect(byProject.get('unit')).toMatchObject({
      file: 'test/a.test.ts',
      name: 't',
      outcome: 'failed',
      cause: 'test-bug',
      attempts: 1,
    })
    expect(healed.summary).toMatchObject({ total: 2, healed: 1, failed: 1 })
  })

  test('a config without named projects puts no project in the report', () => {
    const report = build([pass([collected('t')])])
    expect(report.tests[0]).not.toHaveProperty('project')
  })

  test('unhandled errors of a healed outage are forgiven; any other unhandled error fails the run', () => {
    const dying = {
      name: 'error',
      message: 'terminating connection due to unexpected postmaster exit',
      code: '57P01',
    }
    const forgiven = build([pass([collected('t')], { unhandledErrors: [dying] })], { records: [recovered] })
    expect(forgiven.unhandledErrors).toEqual([expect.objectContaining({ forgiven: true })])
    expect(forgiven.outcome).toBe('passed')

    const notHealed = build([pass([collected('t')], { unhandledErrors: [dying] })])
    expect(notHealed.unhandledErrors?.[0]?.forgiven).toBe(false)
    expect(notHealed.outcome).toBe('failed')

    const bug = { name: 'TypeError', message: "Cannot read properties of undefined (reading 'x')" }
    const other = build([pass([collected('t')], { unhandledErrors: [dying, bug] })], { records: [recovered] })
    expect(other.outcome).toBe('failed')
  })

  test('secrets in error messages never reach the report', () => {
    const leaky = { name: 'Error', message: 'connect ECONNREFUSED postgres://app:hunter2@127.0.0.1:5432/x' }
    const report = build([pass([collected('t', { state: 'failed', errors: [leaky] })])])
    expect(JSON.stringify(report)).not.toContain('hunter2')
  })
})
