import { describe, expect, test } from 'vitest'
import type { ErrorLike, RecoveryRecord } from '../../../src/core/types.js'
import { buildRunReport, type BuildReportInput } from '../../../src/vitest/build-report.js'
import { moduleKey, testKey } from '../../../src/core/report.js'
import { BACK_BY_ANOTHER_PROCESS } from '../../../src/core/recovery-evidence.js'
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

  test('a module that failed before collecting a test fails the run with its error, counting no test (as Vitest)', () => {
    const module: CollectedModule = {
      project: undefined,
      file: 'test/top.test.ts',
      pass: 1,
      errors: [refused],
      suites: [],
      testModule: undefined as never,
    }
    const failedOnly = build([pass([], { modules: [module] })])
    expect(failedOnly.tests).toEqual([])
    expect(failedOnly.summary.total).toBe(0)
    expect(failedOnly.errors).toEqual([
      expect.objectContaining({ where: 'module', file: 'test/top.test.ts', pass: 1, forgiven: false }),
    ])
    expect(failedOnly.errors?.[0]?.verdict).toMatchObject({ kind: 'infra', service: 'db' })
    expect(failedOnly.outcome).toBe('failed')

    const second = pass([collected('v', { file: 'test/top.test.ts', pass: 2 })], {
      modules: [{ ...module, pass: 2, errors: [] }],
      selection: { keys: new Set(), modules: new Set([moduleKey({ file: 'test/top.test.ts' })]) },
    })
    const healed = build([pass([], { modules: [module] }), second], { records: [recovered] })
    expect(healed.tests).toEqual([expect.objectContaining({ name: 'v', attempts: 2 })])
    expect(healed.tests[0]!.tries!.map((t) => [t.state, t.pass])).toEqual([
      ['failed', 1],
      ['passed', 2],
    ])
    expect(healed.errors).toEqual([expect.objectContaining({ where: 'module', forgiven: true })])
    expect(healed.outcome).toBe('passed')
  })

  test('the same file in two projects is two tests: a module that failed to load in one is not hidden by the other', () => {
    const apiModule: CollectedModule = {
      project: 'api',
      file: 'test/a.test.ts',
      pass: 1,
      errors: [refused],
      suites: [],
      testModule: undefined as never,
    }
    const first = pass([collected('t', { project: 'unit', state: 'failed', errors: [assertion] })], {
      modules: [apiModule],
    })
    const failedToLoad = build([first])
    expect(failedToLoad.tests.map((t) => [t.project, t.name, t.outcome, t.cause])).toEqual([
      ['unit', 't', 'failed', 'test-bug'],
    ])
    expect(failedToLoad.errors).toEqual([
      expect.objectContaining({ where: 'module', project: 'api', file: 'test/a.test.ts', forgiven: false }),
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
    expect(forgiven.unhandledErrors).toEqual([
      expect.objectContaining({ forgiven: true, why: expect.stringContaining('recovered') }),
    ])
    expect(forgiven.errors).toEqual([expect.objectContaining({ where: 'unhandled', forgiven: true })])
    expect(forgiven.outcome).toBe('passed')

    const notHealed = build([pass([collected('t')], { unhandledErrors: [dying] })])
    expect(notHealed.unhandledErrors?.[0]?.forgiven).toBe(false)
    expect(notHealed.outcome).toBe('failed')

    const bug = { name: 'TypeError', message: "Cannot read properties of undefined (reading 'x')" }
    const other = build([pass([collected('t')], { unhandledErrors: [dying, bug] })], { records: [recovered] })
    expect(other.outcome).toBe('failed')
  })

  test('two tests of one full name in one module are two tests: a failed first is not hidden by a passing second', () => {
    const first = collected('same', { state: 'failed', errors: [assertion] })
    const second = collected('same', {
      index: 1,
      key: testKey({ file: 'test/a.test.ts', name: 'same', index: 1 }),
    })
    const report = build([pass([first, second])])
    expect(report.tests.map((t) => [t.name, t.index, t.outcome, t.cause])).toEqual([
      ['same', undefined, 'failed', 'test-bug'],
      ['same', 1, 'passed', null],
    ])
    expect(report.tests[0]).not.toHaveProperty('index')
    expect(report.summary).toMatchObject({ total: 2, failed: 1, passed: 1, flaky: 0 })
    expect(report.outcome).toBe('failed')
  })

  test('the second pass re-runs the second of two same-named tests without touching the first', () => {
    const key1 = testKey({ file: 'test/a.test.ts', name: 'same', index: 1 })
    const first = pass([
      collected('same'),
      collected('same', { index: 1, key: key1, state: 'skipped', hostErrors: [refused] }),
    ])
    const second = pass(
      [collected('same', { pass: 2, state: 'skipped' }), collected('same', { index: 1, key: key1, pass: 2 })],
      { selection: { keys: new Set([key1]), modules: new Set() } },
    )
    const report = build([first, second], { records: [recovered] })
    expect(
      report.tests.map((t) => [t.index ?? 0, t.tries!.map((x) => `${x.state} in pass ${x.pass}`)]),
    ).toEqual([
      [0, ['passed in pass 1']],
      [1, ['failed in pass 1', 'passed in pass 2']],
    ])
  })

  const moduleOf = (over: Partial<CollectedModule>): CollectedModule => ({
    project: undefined,
    file: 'test/a.test.ts',
    pass: 1,
    errors: [],
    suites: [],
    testModule: undefined as never,
    ...over,
  })
  const typeError = {
    name: 'TypeError',
    message: "Cannot read properties of undefined (reading 'end')",
    stack: 'TypeError: x\n    at test/a.test.ts:9:3',
  }
  const terminated = { name: 'Error', message: 'Connection terminated unexpectedly' }

  test('an afterAll TypeError of a file whose tests passed fails the run and is in errors[]', () => {
    const report = build([pass([collected('t')], { modules: [moduleOf({ errors: [typeError] })] })])
    expect(report.summary).toMatchObject({ total: 1, passed: 1, failed: 0 })
    expect(report.errors).toEqual([
      {
        where: 'module',
        file: 'test/a.test.ts',
        pass: 1,
        name: 'TypeError',
        message: typeError.message,
        stack: typeError.stack,
        verdict: expect.objectContaining({ kind: 'test-bug' }),
        forgiven: false,
        why: expect.stringContaining('fails the run'),
      },
    ])
    expect(report.outcome).toBe('failed')
  })

  test("a describe block's afterAll error is reported with its suite; a connection error is forgiven only once its service was recovered", () => {
    const suiteError = (error: ErrorLike) =>
      pass([collected('orders > t')], {
        modules: [moduleOf({ suites: [{ name: 'orders', errors: [error] }] })],
      })

    const notRecovered = build([suiteError(terminated)])
    expect(notRecovered.errors).toEqual([
      expect.objectContaining({
        where: 'suite',
        suite: 'orders',
        forgiven: false,
        why: expect.stringContaining('not recovered'),
      }),
    ])
    expect(notRecovered.outcome).toBe('failed')

    // Starting the database before the first test is no outage of this hook.
    const startedOnly = build([suiteError(terminated)], { records: [{ ...recovered, trigger: 'preflight' }] })
    expect(startedOnly.errors?.[0]?.forgiven).toBe(false)
    expect(startedOnly.outcome).toBe('failed')

    const healed = build([suiteError(terminated)], { records: [recovered] })
    expect(healed.errors).toEqual([
      expect.objectContaining({
        where: 'suite',
        suite: 'orders',
        verdict: expect.objectContaining({ kind: 'infra', service: 'db' }),
        forgiven: true,
        why: expect.stringContaining('found down and recovered'),
      }),
    ])
    expect(healed.outcome).toBe('passed')

    // Recovered by another vitest process on the host (through the host lock): an outage that ended too.
    const elsewhere = build([suiteError(terminated)], {
      timeline: [
        { service: 'db', at: new Date(10).toISOString(), state: 'down' },
        { service: 'db', at: new Date(20).toISOString(), state: 'healthy', detail: BACK_BY_ANOTHER_PROCESS },
      ],
    })
    expect(elsewhere.errors?.[0]).toMatchObject({
      forgiven: true,
      why: expect.stringContaining('another vitest process'),
    })

    // A recovery of the database forgives no TypeError.
    const bug = build([suiteError(typeError)], { records: [recovered] })
    expect(bug.errors?.[0]?.forgiven).toBe(false)
    expect(bug.outcome).toBe('failed')
  })

  test('a hook error of pass 1 is forgiven as repaired when the second pass ran its suite again without it', () => {
    const first = pass([collected('orders > t', { state: 'skipped', hostErrors: [refused] })], {
      modules: [moduleOf({ suites: [{ name: 'orders', errors: [refused] }], errors: [typeError] })],
    })
    const rerun = (over: Partial<CollectedModule>, state: CollectedTest['state'] = 'passed') =>
      pass([collected('orders > t', { pass: 2, state })], {
        modules: [moduleOf({ pass: 2, ...over })],
        selection: {
          keys: new Set([testKey({ file: 'test/a.test.ts', name: 'orders > t' })]),
          modules: new Set(),
        },
      })
    // No recovery record at all: only the second pass's clean run forgives.
    const repaired = build([first, rerun({})])
    expect(repaired.errors?.map((e) => [e.where, e.pass, e.forgiven, e.why])).toEqual([
      ['module', 1, true, expect.stringContaining('repaired by the second pass')],
      ['suite', 1, true, expect.stringContaining('repaired by the second pass')],
    ])
    expect(repaired.outcome).toBe('passed')

    // The second pass hit the same afterAll bug: both passes' errors stay, unforgiven.
    const again = build([first, rerun({ errors: [typeError] })])
    expect(again.errors?.map((e) => [e.where, e.pass, e.forgiven])).toEqual([
      ['module', 1, false],
      ['suite', 1, true],
      ['module', 2, false],
    ])
    expect(again.outcome).toBe('failed')

    // Its tests did not run in the second pass, so neither did its hooks: nothing was repaired.
    const notRun = build([first, rerun({}, 'skipped')])
    expect(notRun.errors?.every((e) => !e.forgiven)).toBe(true)
  })

  test('secrets in error messages never reach the report', () => {
    const leaky = { name: 'Error', message: 'connect ECONNREFUSED postgres://app:hunter2@127.0.0.1:5432/x' }
    const report = build([pass([collected('t', { state: 'failed', errors: [leaky] })])])
    expect(JSON.stringify(report)).not.toContain('hunter2')
  })
})

describe('buildRunReport: faults and predictions', () => {
  const kill = {
    id: 'f1',
    service: 'db',
    kind: 'kill' as const,
    params: {},
    when: { percent: 30 },
    times: 1,
    source: 'db:kill@30%',
  }

  test('a normal run has neither faults nor predictions in its report', () => {
    const report = build([pass([collected('t')])])
    expect('faults' in report).toBe(false)
    expect('predictions' in report).toBe(false)
  })

  test('the faults the injector applied are scored; their test hit and lost fails --expect-healed', () => {
    const failed = pass([collected('t', { state: 'failed', errors: [refused] })])
    const report = build([failed], { faults: [{ fault: kill, injectedAt: 0 }], expectHealed: true })
    expect(report.faults).toEqual([
      expect.objectContaining({ id: 'f1', result: 'not-healed', injectedAt: new Date(0).toISOString() }),
    ])
    expect(report.faults?.[0]?.tests).toEqual([
      { file: 'test/a.test.ts', name: 't', outcome: 'failed/infra' },
    ])
  })

  test('--expect-healed turns a green run red when a fault never came; without it the run stays green', () => {
    const green = [pass([collected('t')])]
    const injections = [{ fault: kill }]
    expect(build(green, { faults: injections }).outcome).toBe('passed')
    const expected = build(green, { faults: injections, expectHealed: true })
    expect(expected.faults?.[0]?.result).toBe('not-injected')
    expect(expected.outcome).toBe('failed')
  })

  test('predictions are reported as given', () => {
    const prediction = {
      service: 'db',
      failure: 'saturation' as const,
      probability: 0.9,
      confidence: 0.7,
      windowMs: 30_000,
      leadTimeMs: 8000,
      basis: 'pg.connections → 100 (max_connections)',
      at: new Date(500).toISOString(),
      actions: ['checkpoint', 'hold'],
      cameTrue: true,
    }
    expect(build([pass([collected('t')])], { predictions: [prediction] }).predictions).toEqual([prediction])
  })
})
