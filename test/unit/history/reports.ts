/** Small RunReports shaped like real ones (a healed outage, a flaky test, a planted test bug), for the history tests. */
import type { RunReport, TestReport } from '../../../src/core/report.js'

const summary = (tests: TestReport[]) => {
  const count = (outcome: string) => tests.filter((t) => t.outcome === outcome).length
  const failed = tests.filter((t) => t.outcome === 'failed')
  return {
    total: tests.length,
    passed: count('passed'),
    healed: count('healed'),
    flaky: count('flaky'),
    failed: failed.length,
    testBug: failed.filter((t) => t.cause === 'test-bug').length,
    infra: failed.filter((t) => t.cause === 'infra').length,
    skipped: count('skipped'),
  }
}

export function outageReport(
  startedAt: string,
  options: { recovered?: boolean; flaky?: boolean } = {},
): RunReport {
  const recovered = options.recovered ?? true
  const at = Date.parse(startedAt)
  const t = (ms: number) => new Date(at + ms).toISOString()
  const pgDown = {
    kind: 'infra' as const,
    service: 'db',
    rule: 'pg.admin-shutdown',
    evidence: 'terminating connection due to administrator command',
  }
  const tests: TestReport[] = [
    {
      file: 'test/ok.test.ts',
      name: 'adds',
      outcome: 'passed',
      cause: null,
      service: null,
      rule: null,
      attempts: 1,
    },
    {
      file: 'test/db.test.ts',
      name: 'orders > saves',
      outcome: recovered ? 'healed' : 'failed',
      cause: recovered ? null : 'infra',
      service: 'db',
      rule: 'pg.admin-shutdown',
      attempts: recovered ? 2 : 1,
      tries: [
        {
          state: 'failed',
          pass: 1,
          durationMs: 12,
          errors: [
            {
              name: 'error',
              code: '57P01',
              message: 'terminating connection due to administrator command (password=hunter2)',
            },
          ],
          verdict: pgDown,
          ...(recovered ? { recovery: { service: 'db', by: 'this run' as const, strategy: 'pg_ctl' } } : {}),
        },
        ...(recovered ? [{ state: 'passed' as const, pass: 1 as const, durationMs: 8, errors: [] }] : []),
      ],
    },
    {
      file: 'test/cart.test.ts',
      name: 'cart > total',
      outcome: 'failed',
      cause: 'test-bug',
      service: null,
      rule: 'vitest.assertion',
      attempts: 1,
      tries: [
        {
          state: 'failed',
          pass: 1,
          durationMs: 3,
          errors: [{ name: 'AssertionError', message: 'expected 2 to be 3' }],
          verdict: { kind: 'test-bug', rule: 'vitest.assertion', evidence: 'expected 2 to be 3' },
        },
      ],
    },
    {
      file: 'test/cart.test.ts',
      name: 'cart > total',
      index: 1,
      outcome: options.flaky ? 'flaky' : 'passed',
      cause: null,
      service: null,
      rule: options.flaky ? 'vitest.test-timeout' : null,
      attempts: options.flaky ? 2 : 1,
      ...(options.flaky
        ? {
            tries: [
              {
                state: 'failed' as const,
                pass: 1 as const,
                durationMs: 5000,
                errors: [{ name: 'Error', message: 'Test timed out in 5000ms.' }],
                verdict: { kind: 'flaky' as const, rule: 'vitest.test-timeout', evidence: 'Test timed out' },
              },
              { state: 'passed' as const, pass: 1 as const, durationMs: 20, errors: [] },
            ],
          }
        : {}),
    },
  ]
  return {
    version: 1,
    outcome: 'failed',
    summary: summary(tests),
    tests,
    recoveries: [
      {
        service: 'db',
        strategy: 'restart',
        ok: false,
        trigger: 'inline',
        startedAt: t(100),
        durationMs: 250.4,
        requests: 3,
        error: 'exit 1',
      },
      ...(recovered
        ? [
            {
              service: 'db',
              strategy: 'pg_ctl',
              ok: true,
              trigger: 'inline' as const,
              startedAt: t(400),
              durationMs: 180,
              requests: 3,
            },
          ]
        : []),
    ],
    startedAt,
    durationMs: 1500,
    vitestVersion: '4.1.12',
  }
}

export function greenReport(startedAt: string, tests = 3): RunReport {
  const list: TestReport[] = Array.from({ length: tests }, (_, i) => ({
    file: `test/t${i % 20}.test.ts`,
    name: `case ${i}`,
    outcome: 'passed',
    cause: null,
    service: null,
    rule: null,
    attempts: 1,
  }))
  return {
    version: 1,
    outcome: 'passed',
    summary: summary(list),
    tests: list,
    recoveries: [],
    startedAt,
    durationMs: 900,
    vitestVersion: '4.1.12',
  }
}
