import { describe, expect, test } from 'vitest'
import { resolveOptions } from '../../src/config.js'
import { HealConfigError } from '../../src/errors.js'
import { SERVICE_BRAND, type Service, type ServiceDescriptor } from '../../src/services/types.js'

/** A minimal descriptor: config.ts only needs resolve(); the real factories are tested beside them. */
function fakeService(env?: string): ServiceDescriptor {
  return {
    [SERVICE_BRAND]: true,
    kind: 'custom',
    resolve: ({ name, key }) =>
      ({
        name,
        key,
        kind: 'custom',
        env,
        required: true,
        startTimeoutMs: 1000,
        checkTimeoutMs: 100,
        recoveries: [],
        tests: [],
        target: () => name,
        url: () => undefined,
        ref: () => ({ name, kind: 'custom' }),
        probe: async () => ({ state: 'healthy', detail: 'ok', latencyMs: 0 }),
      }) satisfies Service,
  }
}

function configError(input: unknown, env: NodeJS.ProcessEnv = {}): HealConfigError {
  try {
    resolveOptions(input, env)
  } catch (error) {
    expect(error).toBeInstanceOf(HealConfigError)
    return error as HealConfigError
  }
  throw new Error('expected resolveOptions to throw')
}

describe('resolveOptions', () => {
  test('defaults: flaky and infra budgets of 2, report dir, all reporters but github off GitHub', () => {
    const options = resolveOptions({}, {})
    expect(options).toMatchObject({
      flakyRetries: 2,
      infraRetries: 2,
      optIn: false,
      reportDir: '.vitest-heal',
      failOnFlaky: false,
      preflight: true,
      breaker: { maxRecoveries: 3, windowMs: 300_000 },
    })
    expect([...options.reporters].sort()).toEqual(['html', 'json', 'junit', 'summary'])
  })

  test('the github reporter is on by default inside GitHub Actions', () => {
    expect(resolveOptions({}, { GITHUB_ACTIONS: 'true' }).reporters).toContain('github')
  })

  test.each([
    [42, 'heal()', 'expected an options object, got 42'],
    [{ servces: {} }, 'servces', 'expected a known option (services, rules'],
    [
      { flakyRetries: 3 },
      'flakyRetries',
      'expected at most 2 (set allowMoreFlakyRetries: true to raise it), got 3',
    ],
    [{ flakyRetries: -1 }, 'flakyRetries', 'a whole number ≥ 0, got -1'],
    [{ infraRetries: 1.5 }, 'infraRetries', 'a whole number ≥ 0, got 1.5'],
    [{ optIn: 'yes' }, 'optIn', 'expected true or false, got "yes"'],
    [{ reportDir: '' }, 'reportDir', 'expected a directory path, got ""'],
    [{ reporters: ['summary', 'pdf'] }, 'reporters[1]', 'got "pdf"'],
    [{ redact: [42] }, 'redact[0]', 'a non-empty string or a RegExp, got 42'],
    [{ breaker: { maxRecoveries: 0 } }, 'breaker.maxRecoveries', 'a whole number ≥ 1, got 0'],
    [{ breaker: { window: 1 } }, 'breaker.window', 'expected a known option (maxRecoveries, windowMs)'],
    [{ services: [] }, 'services', 'expected an object of { name: service }'],
    [{ services: { db: { url: 'postgres://x' } } }, 'services.db', 'expected a service from postgres()'],
    [{ services: { 'my db': fakeService() } }, 'services.my db', 'a service name of letters'],
    [
      { services: { db: fakeService(), DB: fakeService() } },
      'services.DB',
      'a service name distinct from "db"',
    ],
    [
      { services: { a: fakeService('URL'), b: fakeService('URL') } },
      'services.b.env',
      'not already set by services.a',
    ],
    [{ rules: {} }, 'rules', 'expected an array of rules'],
    [
      { rules: [{ id: 'x', kind: 'infra', precedence: 'last', when: { code: 'A' } }] },
      'rules[0].precedence',
      'got "last"',
    ],
    [{ rules: [{ id: 'x', kind: 'bad', when: { message: 'x' } }] }, 'rules[0].kind', 'got "bad"'],
    [{ rules: [{ id: '', kind: 'infra', when: { message: 'x' } }] }, 'rules[0].id', 'a non-empty string'],
    [
      { rules: [{ id: 'x', kind: 'infra', when: {} }] },
      'rules[0].when',
      'at least one of name, code, message',
    ],
    [{ rules: [{ id: 'x', kind: 'infra', when: { message: 5 } }] }, 'rules[0].when.message', 'got 5'],
    [
      {
        rules: [
          { id: 'x', kind: 'infra', when: { code: 'A' } },
          { id: 'x', kind: 'flaky', when: { code: 'B' } },
        ],
      },
      'rules[1].id',
      'an id not used by another rule',
    ],
    [
      {
        services: { db: fakeService() },
        rules: [{ id: 'x', kind: 'infra', service: 'dbx', when: { code: 'A' } }],
      },
      'rules[0].service',
      'the name or kind of a declared service: db (custom), got "dbx"',
    ],
    [
      { rules: [{ id: 'x', kind: 'infra', service: 'postgres', when: { code: 'A' } }] },
      'rules[0].service',
      'no service (no services are declared)',
    ],
  ])('rejects %j naming %s', (input, key, message) => {
    const error = configError(input)
    expect(error.key).toBe(key)
    expect(error.message).toContain(`${key}: `)
    expect(error.message).toContain(message)
    expect(error.code).toBe('E_CONFIG')
  })

  test('accepts more than 2 flaky retries only when asked for explicitly', () => {
    expect(resolveOptions({ flakyRetries: 4, allowMoreFlakyRetries: true }, {}).flakyRetries).toBe(4)
  })

  test('user rules keep their RegExps and order', () => {
    const rules = [
      {
        id: 'mine',
        kind: 'infra' as const,
        service: 'db',
        precedence: 'final' as const,
        ambiguous: true,
        when: { message: /boom/ },
      },
      { id: 'other', kind: 'flaky' as const, when: { code: 'E_X' } },
    ]
    expect(resolveOptions({ rules, services: { db: fakeService() } }, {}).rules).toEqual(rules)
  })

  test("a rule's service may be a declared service's name or its kind", () => {
    const services = { db: fakeService() }
    for (const service of ['db', 'custom']) {
      const rules = [{ id: 'x', kind: 'infra' as const, service, when: { code: 'A' } }]
      expect(resolveOptions({ services, rules }, {}).rules).toEqual(rules)
    }
  })

  test('string redact patterns match literally', () => {
    const [pattern] = resolveOptions({ redact: ['a.b'] }, {}).redact
    expect('a.b axb'.replace(pattern!, '***')).toBe('*** axb')
  })

  test('a password in a bad value never reaches the message', () => {
    const error = configError({ reportDir: 42, services: { db: 'postgres://app:hunter2@db:5432/x' } })
    expect(error.message).not.toContain('hunter2')
  })
})
