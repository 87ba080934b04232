/** A test that timed out on every try on an overloaded host says so in its evidence, and stays failed. */
import { describe, expect, test } from 'vitest'
import type { Sample } from '../../../src/core/prediction.js'
import type { RunReport, TestReport, TryRecord } from '../../../src/core/report.js'
import { markOverloadedTimeouts, overloadAt } from '../../../src/predict/predictor-evidence.js'

const T0 = Date.parse('2026-11-30T06:00:00.000Z')
const GB = 1024 ** 3

function host(load: (i: number) => number, freeShare = 0.5): Sample[] {
  return Array.from({ length: 30 }, (_, i) => ({
    source: 'host',
    at: T0 + i * 1000,
    metrics: {
      'host.load1': load(i),
      'host.cores': 2,
      'host.freeMemBytes': freeShare * 4 * GB,
      'host.totalMemBytes': 4 * GB,
    },
  }))
}

function failedTry(startSecond: number, message: string): TryRecord {
  return {
    state: 'failed',
    pass: 1,
    durationMs: 5000,
    startedAt: new Date(T0 + startSecond * 1000).toISOString(),
    errors: [{ name: 'Error', message }],
    verdict: { kind: 'test-bug', rule: 'default', evidence: message },
  }
}

function report(tests: TestReport[]): RunReport {
  return { tests } as unknown as RunReport
}

const timedOut = (name: string): TestReport =>
  ({
    file: 'test/a.test.ts',
    name,
    outcome: 'failed',
    cause: 'test-bug',
    tries: [failedTry(2, 'Test timed out in 5000ms.'), failedTry(10, 'Test timed out in 5000ms.')],
  }) as unknown as TestReport

describe('overloaded host evidence', () => {
  test('every try timed out under load: each try says the load and memory, the test stays failed', () => {
    const r = report([timedOut('slow')])
    expect(
      markOverloadedTimeouts(
        r,
        host(() => 6.4),
      ),
    ).toBe(1)
    const [test] = r.tests
    expect(test!.outcome).toBe('failed')
    expect(test!.tries![0]!.verdict!.evidence).toBe(
      'Test timed out in 5000ms. — host overloaded during this try: load 6.4 on 2 cores, 2048 MB of 4096 MB memory free',
    )
    expect(test!.tries![0]!.verdict!.kind).toBe('test-bug')
  })

  test('low memory alone is overload too', () => {
    expect(
      overloadAt(
        host(() => 0.5, 0.02),
        T0,
        T0 + 3000,
      ),
    ).toBe('host overloaded during this try: load 0.5 on 2 cores, 82 MB of 4096 MB memory free')
  })

  test('untouched: an idle host, an assertion failure, a try that was not loaded, no samples', () => {
    const idle = report([timedOut('slow')])
    expect(
      markOverloadedTimeouts(
        idle,
        host(() => 0.8),
      ),
    ).toBe(0)
    expect(idle.tests[0]!.tries![0]!.verdict!.evidence).toBe('Test timed out in 5000ms.')

    const assertion = report([
      {
        ...timedOut('wrong'),
        tries: [failedTry(2, 'expected 2 to be 3'), failedTry(10, 'Test timed out in 5000ms.')],
      } as TestReport,
    ])
    expect(
      markOverloadedTimeouts(
        assertion,
        host(() => 6),
      ),
    ).toBe(0)

    // Loaded during the first try only: the second timed out on a quiet host.
    const once = report([timedOut('slow')])
    expect(
      markOverloadedTimeouts(
        once,
        host((i) => (i < 8 ? 6 : 0.5)),
      ),
    ).toBe(0)

    expect(markOverloadedTimeouts(report([timedOut('slow')]), [])).toBe(0)
  })
})
