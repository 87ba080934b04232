import { describe, expect, it } from 'vitest'
import type { FaultInjection, FaultSpec } from '../../../src/core/fault.js'
import { computeOutcome, summarize } from '../../../src/core/outcome.js'
import type {
  HealthEvent,
  RecoveryReport,
  RunReport,
  TestReport,
  TryRecord,
  TryRecovery,
} from '../../../src/core/report.js'
import { chaosFails, chaosLine, scoreFaults } from '../../../src/core/scorecard.js'

const T0 = Date.parse('2026-11-30T10:00:00.000Z')
const at = (ms: number): string => new Date(T0 + ms).toISOString()

function fault(id: string, source: string, patch: Partial<FaultSpec> = {}): FaultInjection['fault'] {
  const [service = 'db', rest = 'kill'] = source.split(':')
  return {
    id,
    service,
    kind: rest.split(/[=@]/)[0] as FaultSpec['kind'],
    params: {},
    when: { percent: 30 },
    times: 1,
    source,
    ...patch,
  }
}

const infraTry = (startMs: number, service = 'db', recovery?: TryRecord['recovery']): TryRecord => ({
  state: 'failed',
  pass: 1,
  durationMs: 40,
  startedAt: at(startMs),
  errors: [{ name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:5432', code: 'ECONNREFUSED' }],
  verdict: { kind: 'infra', service, rule: 'pg-connection-refused', evidence: 'ECONNREFUSED' },
  ...(recovery ? { recovery } : {}),
})
const bugTry = (startMs: number): TryRecord => ({
  state: 'failed',
  pass: 1,
  durationMs: 10,
  startedAt: at(startMs),
  errors: [{ name: 'AssertionError', message: 'expected 2 to be 3' }],
  verdict: { kind: 'test-bug', rule: 'assertion', evidence: 'AssertionError' },
})
const passTry = (startMs: number): TryRecord => ({
  state: 'passed',
  pass: 1,
  durationMs: 20,
  startedAt: at(startMs),
  errors: [],
})

function test(name: string, tries: TryRecord[], file = 'test/orders.test.ts'): TestReport {
  return { file, name, ...computeOutcome(tries), tries }
}

const restart = (startMs: number, service = 'db', ok = true): RecoveryReport => ({
  service,
  strategy: 'restart',
  ok,
  trigger: 'inline',
  startedAt: at(startMs),
  durationMs: 300,
  requests: 1,
})
const event = (ms: number, state: HealthEvent['state'], service = 'db'): HealthEvent => ({
  service,
  at: at(ms),
  state,
})

function report(
  tests: TestReport[],
  recoveries: RecoveryReport[] = [],
  timeline: HealthEvent[] = [],
): RunReport {
  const summary = summarize(tests)
  return {
    version: 1,
    outcome: summary.failed > 0 ? 'failed' : 'passed',
    summary,
    tests,
    recoveries,
    timeline,
    startedAt: at(0),
    durationMs: 10_000,
  }
}

const healedBy = (service = 'db'): TryRecovery => ({
  service,
  by: 'this run',
  strategy: 'restart',
  durationMs: 300,
  downAt: at(2150),
  healthyAt: at(2500),
})

/** db killed at 2 s: one test hit and healed, a planted bug failing during the outage, one test passing. */
function killedRun(): RunReport {
  return report(
    [
      test('orders > creates', [infraTry(2100, 'db', healedBy()), passTry(2600)]),
      test('orders > planted bug', [bugTry(2300)]),
      test('orders > lists', [passTry(1000)]),
    ],
    [restart(2200)],
    [event(0, 'healthy'), event(2150, 'down'), event(2200, 'recovering'), event(2500, 'healthy')],
  )
}

describe('scoreFaults', () => {
  it('a kill that was healed: detected by the first failure, recovered by the restart, its test healed', () => {
    const { faults, score } = scoreFaults(
      [{ fault: fault('f1', 'db:kill@30%'), injectedAt: T0 + 2000 }],
      killedRun(),
    )
    expect(faults).toEqual([
      {
        id: 'f1',
        service: 'db',
        kind: 'kill',
        source: 'db:kill@30%',
        injectedAt: at(2000),
        // The failure is seen when the try fails: its start plus its 40 ms, before the probe's `down`.
        detectedAt: at(2140),
        detectedBy: 'test-failure',
        recoveredAt: at(2500),
        strategy: 'restart',
        result: 'healed',
        tests: [{ file: 'test/orders.test.ts', name: 'orders > creates', outcome: 'healed' }],
      },
    ])
    expect(score).toEqual({ injected: 1, detected: 1, healed: 1, testsLost: 0, bugsStillRed: 1 })
    expect(chaosLine(score)).toBe(
      'chaos: 1 fault injected, 1 detected, 1 healed, 0 tests lost, 1 planted bug still red',
    )
  })

  it('a planted test bug during a fault stays red: never among the tests it hit, never healed', () => {
    const { faults, score } = scoreFaults(
      [{ fault: fault('f1', 'db:kill@30%'), injectedAt: T0 + 2000 }],
      killedRun(),
    )
    expect(faults[0]?.tests.map((t) => t.name)).not.toContain('orders > planted bug')
    expect(score.bugsStillRed).toBe(1)
    expect(score.healed).toBe(1)
  })

  it('a planted bug the outage hit first is listed as failed/test-bug, counted red, and costs the fault nothing', () => {
    const run = report(
      [test('orders > planted bug', [infraTry(2100, 'db', healedBy()), bugTry(2600)])],
      [restart(2200)],
      [event(2150, 'down'), event(2500, 'healthy')],
    )
    const { faults, score } = scoreFaults([{ fault: fault('f1', 'db:kill@30%'), injectedAt: T0 + 2000 }], run)
    expect(faults[0]?.tests).toEqual([
      { file: 'test/orders.test.ts', name: 'orders > planted bug', outcome: 'failed/test-bug' },
    ])
    expect(faults[0]?.result).toBe('healed')
    expect(score).toMatchObject({ healed: 1, testsLost: 0, bugsStillRed: 1 })
  })

  it('a fault whose tests ended failed/infra is not-healed, and --expect-healed fails the run', () => {
    const run = report(
      [test('orders > creates', [infraTry(2100), infraTry(2400)]), test('orders > lists', [passTry(5000)])],
      [restart(2200, 'db', false)],
      [event(2150, 'down'), event(2200, 'recovering'), event(3000, 'broken')],
    )
    const { faults, score } = scoreFaults([{ fault: fault('f1', 'db:kill@30%'), injectedAt: T0 + 2000 }], run)
    expect(faults[0]).toMatchObject({ result: 'not-healed', detectedBy: 'test-failure' })
    expect(faults[0]?.recoveredAt).toBeUndefined()
    expect(faults[0]?.tests).toEqual([
      { file: 'test/orders.test.ts', name: 'orders > creates', outcome: 'failed/infra' },
    ])
    expect(score).toEqual({ injected: 1, detected: 1, healed: 0, testsLost: 1, bugsStillRed: 0 })
    expect(chaosFails(score, faults, true)).toBe(true)
    expect(chaosFails(score, faults, false)).toBe(false)
  })

  it('a service left down with no test hit is not-healed', () => {
    const run = report([test('orders > lists', [passTry(1000)])], [], [event(9000, 'down')])
    const { faults } = scoreFaults([{ fault: fault('f1', 'db:kill@90%'), injectedAt: T0 + 8900 }], run)
    expect(faults[0]).toMatchObject({
      result: 'not-healed',
      detectedBy: 'health-probe',
      detectedAt: at(9000),
    })
  })

  it('a fault never reached is not-injected: not counted, and --expect-healed fails (it proved nothing)', () => {
    const { faults, score } = scoreFaults([{ fault: fault('f1', 'db:kill@test:/nothing/') }], killedRun())
    expect(faults).toEqual([
      {
        id: 'f1',
        service: 'db',
        kind: 'kill',
        source: 'db:kill@test:/nothing/',
        result: 'not-injected',
        tests: [],
      },
    ])
    expect(score).toEqual({ injected: 0, detected: 0, healed: 0, testsLost: 0, bugsStillRed: 1 })
    expect(chaosFails(score, faults, true)).toBe(true)
  })

  it('a fault that could not be applied keeps its error and fails --expect-healed', () => {
    const { faults, score } = scoreFaults(
      [{ fault: fault('f1', 'db:stop@30%'), error: 'db has no chaos.stop command' }],
      killedRun(),
    )
    expect(faults[0]).toMatchObject({ result: 'not-injected', error: 'db has no chaos.stop command' })
    expect(chaosFails(score, faults, true)).toBe(true)
  })

  it('latency under the timeout changes nothing: no-effect, and --expect-healed passes', () => {
    const run = report([test('orders > creates', [passTry(2100)])])
    const { faults, score } = scoreFaults(
      [{ fault: fault('f1', 'db:latency=100ms@30%'), injectedAt: T0 + 2000, endedAt: T0 + 4000 }],
      run,
    )
    expect(faults[0]).toMatchObject({ result: 'no-effect', injectedAt: at(2000), tests: [] })
    expect(faults[0]?.detectedAt).toBeUndefined()
    expect(score).toEqual({ injected: 1, detected: 0, healed: 0, testsLost: 0, bugsStillRed: 0 })
    expect(chaosFails(score, faults, true)).toBe(false)
  })

  it('latency over the timeout: a flaky try blamed on the service is a hit that detects it, and passing is healed', () => {
    const slow: TryRecord = {
      ...infraTry(2100),
      hypothesis: { kind: 'infra', service: 'db', rule: 'pg-timeout', evidence: 'timeout' },
      verdict: {
        kind: 'flaky',
        service: 'db',
        rule: 'pg-timeout',
        evidence: 'timeout (db healthy at failure time)',
      },
    }
    const run = report([test('orders > creates', [slow, passTry(4200)])])
    const { faults } = scoreFaults(
      [{ fault: fault('f1', 'db:latency=5000ms@30%'), injectedAt: T0 + 2000, endedAt: T0 + 4000 }],
      run,
    )
    expect(faults[0]).toMatchObject({
      result: 'healed',
      detectedBy: 'test-failure',
      tests: [{ name: 'orders > creates', outcome: 'flaky' }],
    })
    expect(faults[0]?.recoveredAt).toBeUndefined()
  })

  it('a health probe that saw the outage first detects it; recovered before any test failed is healed', () => {
    const run = report(
      [test('orders > lists', [passTry(5000)])],
      [restart(2300)],
      [event(2250, 'down'), event(2300, 'recovering'), event(2600, 'healthy')],
    )
    const { faults } = scoreFaults([{ fault: fault('f1', 'db:kill@30%'), injectedAt: T0 + 2000 }], run)
    expect(faults[0]).toMatchObject({
      result: 'healed',
      detectedBy: 'health-probe',
      detectedAt: at(2250),
      recoveredAt: at(2600),
      strategy: 'restart',
      tests: [],
    })
  })

  it('a network fault that just ended: recovered at the healthy event after the down, no strategy', () => {
    const run = report(
      [
        test('orders > creates', [
          infraTry(2100, 'db', { service: 'db', by: 'itself', healthyAt: at(3000) }),
          passTry(3100),
        ]),
      ],
      [],
      [event(2150, 'down'), event(3000, 'healthy')],
    )
    const { faults } = scoreFaults(
      [{ fault: fault('f1', 'db:down@30%'), injectedAt: T0 + 2000, endedAt: T0 + 2900 }],
      run,
    )
    expect(faults[0]).toMatchObject({ result: 'healed', recoveredAt: at(3000) })
    expect(faults[0]?.strategy).toBeUndefined()
  })

  it('a failure inside the test the fault fired in (`during`) is a hit though the try began before it', () => {
    const run = report(
      [test('orders > checkout', [{ ...infraTry(1990, 'db', healedBy()), durationMs: 200 }, passTry(2600)])],
      [restart(2200)],
    )
    const { faults } = scoreFaults(
      [{ fault: fault('f1', 'db:kill@during:/checkout/'), injectedAt: T0 + 2000 }],
      run,
    )
    expect(faults[0]).toMatchObject({ result: 'healed', detectedAt: at(2190) })
    expect(faults[0]?.tests).toHaveLength(1)
  })

  it('failures of another service, or before the fault, or after it was over, are not its', () => {
    const run = report(
      [
        test('app > home', [infraTry(2100, 'app', healedBy('app')), passTry(2600)], 'test/app.test.ts'),
        test('orders > early', [infraTry(500, 'db'), passTry(600)]),
        test('orders > late', [infraTry(8000, 'db'), passTry(8100)]),
      ],
      [restart(2200)],
    )
    const { faults } = scoreFaults([{ fault: fault('f1', 'db:kill@30%'), injectedAt: T0 + 2000 }], run)
    expect(faults[0]?.tests).toEqual([])
    expect(faults[0]?.recoveredAt).toBe(at(2500))
  })

  it('an infra failure blamed on no service during the fault is a hit', () => {
    const anonymous: TryRecord = {
      ...infraTry(2100),
      verdict: { kind: 'infra', rule: 'socket-hang-up', evidence: 'hang up' },
    }
    const run = report([test('orders > creates', [anonymous])], [restart(2200)])
    const { faults, score } = scoreFaults([{ fault: fault('f1', 'db:kill@30%'), injectedAt: T0 + 2000 }], run)
    expect(faults[0]?.tests.map((t) => t.outcome)).toEqual(['failed/infra'])
    expect(faults[0]?.result).toBe('not-healed')
    expect(score.testsLost).toBe(1)
  })

  it('a test skipped by a failed beforeAll (an untimed try) is placed at its outage', () => {
    const untimed: TryRecord = { ...infraTry(0, 'db', healedBy()), durationMs: 0 }
    delete untimed.startedAt
    const run = report(
      [test('orders > in a suite', [untimed, { ...passTry(2600), pass: 2 }])],
      [restart(2200)],
    )
    const { faults } = scoreFaults([{ fault: fault('f1', 'db:kill@30%'), injectedAt: T0 + 2000 }], run)
    expect(faults[0]?.tests).toEqual([
      { file: 'test/orders.test.ts', name: 'orders > in a suite', outcome: 'healed' },
    ])
  })

  it('two faults on one service: each claims only what happened before the next one', () => {
    const run = report(
      [
        test('orders > creates', [
          infraTry(5100, 'db', { ...healedBy(), downAt: at(5150), healthyAt: at(5500) }),
          passTry(5600),
        ]),
      ],
      [restart(5200)],
      [event(5150, 'down'), event(5500, 'healthy')],
    )
    const { faults, score } = scoreFaults(
      [
        { fault: fault('f1', 'db:latency=50ms@10%'), injectedAt: T0 + 1000 },
        { fault: fault('f2', 'db:kill@50%'), injectedAt: T0 + 5000 },
      ],
      run,
    )
    expect(faults.map((f) => [f.id, f.result, f.recoveredAt, f.tests.length])).toEqual([
      ['f1', 'no-effect', undefined, 0],
      ['f2', 'healed', at(5500), 1],
    ])
    expect(score).toMatchObject({ injected: 2, detected: 1, healed: 1 })
  })

  it('a test two faults hit is one test lost', () => {
    const run = report([test('orders > creates', [infraTry(2100, 'db'), infraTry(2200, 'app')])])
    const { score } = scoreFaults(
      [
        { fault: fault('f1', 'db:kill@30%'), injectedAt: T0 + 2000 },
        { fault: fault('f2', 'app:kill@30%'), injectedAt: T0 + 2000 },
      ],
      run,
    )
    expect(score.testsLost).toBe(1)
  })
})

describe('chaosLine', () => {
  it('counts in words, plural when not one', () => {
    expect(chaosLine({ injected: 3, detected: 3, healed: 3, testsLost: 0, bugsStillRed: 1 })).toBe(
      'chaos: 3 faults injected, 3 detected, 3 healed, 0 tests lost, 1 planted bug still red',
    )
    expect(chaosLine({ injected: 1, detected: 0, healed: 0, testsLost: 1, bugsStillRed: 2 })).toBe(
      'chaos: 1 fault injected, 0 detected, 0 healed, 1 test lost, 2 planted bugs still red',
    )
  })
})

describe('scoreFaults: what is not evidence', () => {
  it('a timing failure that blames no service is no fault’s hit', () => {
    const timing: TryRecord = {
      ...infraTry(2100),
      durationMs: 5000,
      verdict: { kind: 'flaky', rule: 'timeout', evidence: 'Test timed out' },
    }
    const run = report([test('search > suggests', [timing, passTry(7200)])])
    const { faults } = scoreFaults(
      [{ fault: fault('f1', 'app:latency=200ms@30%'), injectedAt: T0 + 2000, endedAt: T0 + 3000 }],
      run,
    )
    expect(faults[0]).toMatchObject({ result: 'no-effect', tests: [] })
  })

  it('a quarantined failure does not fail the run, so it is not counted still red', () => {
    const run = killedRun()
    const bug = run.tests.find((t) => t.name === 'orders > planted bug')!
    bug.quarantined = { rate: 0.3, flakyRuns: 3, runs: 10 }
    const { score } = scoreFaults([{ fault: fault('f1', 'db:kill@30%'), injectedAt: T0 + 2000 }], run)
    expect(score.bugsStillRed).toBe(0)
  })
})
