/**
 * classify() by hand: precedence between errors of one failure, user rules, service blame, evidence,
 * and inputs that must not break it. Shapes mirror the real ones in test/corpus.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { classify } from '../../../src/core/classify.js'
import { BUILTIN_RULES } from '../../../src/core/rules.js'
import type { ErrorLike, Rule, ServiceRef } from '../../../src/core/types.js'

const services: ServiceRef[] = [
  { name: 'db', kind: 'postgres', url: 'postgres://app:hunter2@127.0.0.1:5432/app' },
  { name: 'app', kind: 'http', url: 'http://localhost:3000/health' },
  { name: 'browser', kind: 'webdriver', url: 'http://127.0.0.1:9515' },
]

const refused = (host: string, port: number): ErrorLike => ({
  name: 'Error',
  code: 'ECONNREFUSED',
  message: `connect ECONNREFUSED ${host}:${port}`,
  address: host,
  port,
})
const assertion: ErrorLike = {
  name: 'AssertionError',
  message: 'expected 500 to be 200 // Object.is equality',
  actual: '500',
  expected: '200',
}
const typeError: ErrorLike = {
  name: 'TypeError',
  message: "Cannot read properties of undefined (reading 'rows')",
}
const testTimeout: ErrorLike = {
  name: 'Error',
  message: 'Test timed out in 5000ms.\nIf this is a long-running test, pass a timeout value',
}
const deadlock: ErrorLike = { name: 'error', code: '40P01', message: 'deadlock detected', severity: 'ERROR' }

const verdictOf = (
  errors: unknown[],
  options: Parameters<typeof classify>[1] = { services },
  tags?: string[],
) => classify({ errors: errors as ErrorLike[], tags }, options)

describe('precedence across the errors of one failure', () => {
  test('an assertion anywhere (final) beats infra evidence elsewhere in the chain', () => {
    const wrapped = { ...assertion, cause: refused('127.0.0.1', 5432) }
    expect(verdictOf([wrapped])).toMatchObject({ kind: 'test-bug', rule: 'vitest.assertion' })
    expect(verdictOf([refused('127.0.0.1', 5432), assertion])).toMatchObject({
      kind: 'test-bug',
      rule: 'vitest.assertion',
    })
  })

  test('escalating infra evidence outranks a generic error that comes first', () => {
    // The afterAll TypeError real suites throw after a beforeAll that never reached the database.
    expect(verdictOf([typeError, refused('127.0.0.1', 5432)])).toMatchObject({
      kind: 'infra',
      service: 'db',
      rule: 'net.econnrefused',
    })
  })

  test('among escalations the strongest kind wins: infra over flaky', () => {
    const terminated = { name: 'Error', message: 'Connection terminated unexpectedly' }
    expect(verdictOf([deadlock, terminated])).toMatchObject({
      kind: 'infra',
      rule: 'pg.connection-terminated',
      service: 'db',
    })
    expect(verdictOf([terminated, deadlock])).toMatchObject({
      kind: 'infra',
      rule: 'pg.connection-terminated',
    })
  })

  test('escalating flaky evidence outranks a first-match test-bug', () => {
    expect(verdictOf([typeError, deadlock])).toMatchObject({
      kind: 'flaky',
      rule: 'pg.deadlock',
      service: 'db',
    })
  })

  test('between plain (first) matches the earliest error decides', () => {
    expect(verdictOf([testTimeout, typeError])).toMatchObject({ kind: 'flaky', rule: 'vitest.test-timeout' })
    expect(verdictOf([typeError, testTimeout])).toMatchObject({ kind: 'test-bug', rule: 'js.type-error' })
  })

  test('the cause outranks a fetch failed wrapper and is the evidence', () => {
    const fetchFailed = {
      name: 'TypeError',
      message: 'fetch failed',
      cause: { ...refused('::1', 3000), name: 'Caused by: Error' },
    }
    const verdict = verdictOf([fetchFailed])
    expect(verdict).toMatchObject({ kind: 'infra', service: 'app', rule: 'net.econnrefused' })
    expect(verdict.evidence).toContain('connect ECONNREFUSED ::1:3000')
  })

  test('nothing matches: test-bug by the default rule, the first error as evidence', () => {
    expect(verdictOf([{ name: 'Error', message: 'the widget is blue' }])).toEqual({
      kind: 'test-bug',
      rule: 'default',
      evidence: 'Error: the widget is blue',
    })
    expect(verdictOf([])).toEqual({ kind: 'test-bug', rule: 'default', evidence: '(no error)' })
  })
})

describe('user rules', () => {
  const lockTimeout: Rule = { id: 'ours.lock-timeout', kind: 'flaky', when: { message: 'lock timeout' } }

  test('are tried before the catalogue on each error', () => {
    const error = { name: 'TypeError', message: 'LOCK TIMEOUT while waiting for fixture' }
    expect(verdictOf([error], { services, rules: [lockTimeout] })).toMatchObject({
      kind: 'flaky',
      rule: 'ours.lock-timeout',
    })
    expect(verdictOf([error], { services })).toMatchObject({ kind: 'test-bug', rule: 'js.type-error' })
  })

  test('a user rule can make an assertion infra, which the catalogue never does', () => {
    const healthAssert: Rule = {
      id: 'ours.health-assert',
      kind: 'infra',
      service: 'app',
      when: { name: 'AssertionError', message: /to be 200/ },
    }
    expect(verdictOf([assertion], { services, rules: [healthAssert] })).toMatchObject({
      kind: 'infra',
      service: 'app',
      rule: 'ours.health-assert',
    })
  })

  test('a final user rule beats the final assertion rule on another error', () => {
    const rule: Rule = {
      id: 'ours.final',
      kind: 'infra',
      service: 'db',
      precedence: 'final',
      when: { code: 'ECONNREFUSED' },
    }
    expect(verdictOf([assertion, refused('127.0.0.1', 5432)], { services, rules: [rule] })).toMatchObject({
      kind: 'infra',
      rule: 'ours.final',
      service: 'db',
    })
  })

  test('a /g regexp matches on every call (no lastIndex state)', () => {
    const rule: Rule = { id: 'ours.global', kind: 'flaky', when: { message: /quota exceeded/g } }
    for (let i = 0; i < 3; i++)
      expect(verdictOf([{ message: 'quota exceeded for bucket' }], { rules: [rule] }).rule).toBe(
        'ours.global',
      )
  })

  test('malformed rules are ignored, not catch-alls', () => {
    const rules = [
      { id: 'no-when', kind: 'infra' },
      { id: 'bad-kind', kind: 'broken', when: { message: 'x' } },
      { id: 'bad-matcher', kind: 'infra', when: { message: 42 } },
    ] as unknown as Rule[]
    expect(verdictOf([{ message: 'x' }], { rules })).toMatchObject({ kind: 'test-bug', rule: 'default' })
  })

  test('a name and a code match exactly, a message string as a case-insensitive substring', () => {
    const rule: Rule = { id: 'ours.exact', kind: 'flaky', when: { name: 'QueueError', code: 'Q1' } }
    expect(verdictOf([{ name: 'QueueError', code: 'Q1', message: '' }], { rules: [rule] }).rule).toBe(
      'ours.exact',
    )
    expect(verdictOf([{ name: 'queueerror', code: 'Q1', message: '' }], { rules: [rule] }).rule).toBe(
      'default',
    )
    expect(verdictOf([{ name: 'QueueError', code: 'Q12', message: '' }], { rules: [rule] }).rule).toBe(
      'default',
    )
  })
})

describe('blaming a service', () => {
  test('by host:port; localhost, 127.0.0.1 and ::1 are one host', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1']) {
      expect(verdictOf([{ name: 'Error', message: `connect ECONNREFUSED ${host}:3000` }]).service).toBe('app')
      expect(verdictOf([{ name: 'Error', message: `connect ECONNREFUSED ${host}:5432` }]).service).toBe('db')
    }
    expect(verdictOf([{ message: 'ECONNREFUSED connect ECONNREFUSED 127.0.0.1:9515' }]).service).toBe(
      'browser',
    )
  })

  test('by a URL in the text, default ports included', () => {
    const web: ServiceRef[] = [{ name: 'web', kind: 'http', url: 'http://127.0.0.1/' }, ...services]
    expect(
      verdictOf([{ message: 'request to http://localhost:3000/orders failed, reason: socket hang up' }])
        .service,
    ).toBe('app')
    expect(
      verdictOf([{ message: 'GET http://127.0.0.1/ failed: ECONNRESET' }], { services: web }).service,
    ).toBe('web')
  })

  test('by the fields of a net error when a wrapper kept no address in its text', () => {
    const wrapper = {
      name: 'DriverException',
      message: 'connection lost',
      cause: { ...refused('127.0.0.1', 5432), message: 'read ECONNRESET', code: 'ECONNRESET' },
    }
    expect(verdictOf([wrapper])).toMatchObject({ kind: 'infra', service: 'db' })
  })

  test('by family: a pg SQLSTATE blames the postgres service', () => {
    expect(
      verdictOf([
        { name: 'error', code: '57P01', message: 'terminating connection due to administrator command' },
      ]).service,
    ).toBe('db')
    expect(verdictOf([{ name: 'NoSuchSessionError', message: 'invalid session id' }]).service).toBe('browser')
  })

  test('page load failure blames the app, not the browser', () => {
    expect(
      verdictOf([
        {
          name: 'WebDriverError',
          message: 'unknown error: net::ERR_CONNECTION_REFUSED\n  (Session info: chrome=120)',
        },
      ]),
    ).toMatchObject({ kind: 'infra', service: 'app' })
  })

  test('needs:<service> tags settle what the evidence leaves open', () => {
    const hangUp = { name: 'Error', code: 'ECONNRESET', message: 'socket hang up' }
    expect(verdictOf([hangUp]).service).toBeUndefined()
    expect(verdictOf([hangUp], { services }, ['needs:app']).service).toBe('app')
    expect(verdictOf([hangUp], { services }, ['needs:app', 'needs:db']).service).toBeUndefined()
    const twoDatabases: ServiceRef[] = [...services, { name: 'replica', kind: 'postgres', port: 5433 }]
    const adminShutdown = {
      name: 'error',
      code: '57P01',
      message: 'terminating connection due to administrator command',
    }
    expect(verdictOf([adminShutdown], { services: twoDatabases }).service).toBeUndefined()
    expect(
      verdictOf([adminShutdown], { services: twoDatabases }, ['needs:replica', 'needs:app']).service,
    ).toBe('replica')
  })

  test('infra with no attributable service says infra, service empty', () => {
    const verdict = verdictOf([refused('127.0.0.1', 6379)])
    expect(verdict.kind).toBe('infra')
    expect(verdict).not.toHaveProperty('service')
    expect(verdictOf([refused('127.0.0.1', 5432)], {}).service).toBeUndefined()
  })

  test('a test-bug names no service', () => {
    expect(
      verdictOf([{ name: 'error', code: '42P01', message: 'relation "x" does not exist' }]),
    ).not.toHaveProperty('service')
  })
})

describe('wrapped and serialised shapes', () => {
  test.each([
    ['an ORM wrapper', { name: 'DriverException', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
    [
      'a helper message',
      {
        name: 'Error',
        message: 'Cannot reach the postgres test database (connect ECONNREFUSED 127.0.0.1:5432)',
      },
    ],
    [
      'ERR_UNHANDLED_ERROR',
      {
        name: 'Error',
        code: 'ERR_UNHANDLED_ERROR',
        message:
          "Unhandled error. ({\n  code: 'ECONNREFUSED',\n  message: 'connect ECONNREFUSED 127.0.0.1:5432'\n})",
      },
    ],
    [
      'an AggregateError',
      {
        name: 'AggregateError',
        code: 'ECONNREFUSED',
        message: '',
        errors: [refused('::1', 5432), refused('127.0.0.1', 5432)],
      },
    ],
    [
      'a cause renamed by Vitest',
      {
        name: 'DriverException',
        message: 'query failed',
        cause: { name: 'Caused by: error', code: '57P03', message: 'the database system is starting up' },
      },
    ],
  ])('%s is infra on db', (_label, error) => {
    expect(verdictOf([error])).toMatchObject({ kind: 'infra', service: 'db' })
  })

  test('pg errors arrive named `error`: the SQLSTATE decides', () => {
    expect(
      verdictOf([
        {
          name: 'error',
          code: '23505',
          message: 'duplicate key value violates unique constraint "users_pkey"',
        },
      ]).kind,
    ).toBe('test-bug')
    expect(
      verdictOf([
        { name: 'error', code: '40001', message: 'could not serialize access due to concurrent update' },
      ]).kind,
    ).toBe('flaky')
    expect(verdictOf([{ name: 'error', code: '08006', message: 'connection failure' }])).toMatchObject({
      kind: 'infra',
      service: 'db',
    })
  })

  test('evidence is one line, shortened and redacted', () => {
    const leak = {
      name: 'Error',
      message: `could not connect to server postgres://app:hunter2@db.internal:5432/app ${'x'.repeat(500)}\nsecond line`,
    }
    const verdict = verdictOf([leak])
    expect(verdict.rule).toBe('pg.connection-exception')
    expect(verdict.evidence).not.toContain('hunter2')
    expect(verdict.evidence).toContain('app:***@')
    expect(verdict.evidence).not.toContain('second line')
    expect(verdict.evidence.length).toBeLessThan(260)
  })
})

describe('never throws', () => {
  const cyclic: ErrorLike = { name: 'Error', message: 'loop' }
  cyclic.cause = { name: 'Error', message: 'inner', cause: cyclic }
  const hostile = new Proxy(
    {},
    {
      get: () => {
        throw new Error('getter')
      },
      has: () => {
        throw new Error('has')
      },
    },
  )

  test.each([
    ['null failure', null],
    ['undefined errors', { errors: undefined }],
    ['errors not an array', { errors: 'boom' }],
    ['a cause cycle', { errors: [cyclic] }],
    [
      'a 1 MB message',
      { errors: [{ name: 'Error', message: `${'a'.repeat(1_000_000)} ECONNREFUSED 127.0.0.1:5432` }] },
    ],
    ['non-Error values', { errors: [42, 'text', null, undefined, Symbol('s'), () => 1, [1, 2]] }],
    ['a hostile proxy', { errors: [hostile] }],
    ['a hostile failure', hostile],
  ])('%s', (_label, failure) => {
    const verdict = classify(failure as never, { services, rules: hostile as never })
    expect(['infra', 'flaky', 'test-bug']).toContain(verdict.kind)
    expect(typeof verdict.rule).toBe('string')
  })

  test('a 1 MB message still finds evidence at its end, quickly', () => {
    const started = performance.now()
    const verdict = verdictOf([
      { name: 'Error', message: `${'a'.repeat(1_000_000)} connect ECONNREFUSED 127.0.0.1:5432` },
    ])
    expect(verdict).toMatchObject({ kind: 'infra', service: 'db' })
    expect(performance.now() - started).toBeLessThan(200)
  })
})

describe('the catalogue', () => {
  test('every rule has a category, and only infra rules are ambiguous', () => {
    for (const rule of BUILTIN_RULES) {
      expect(rule.category, rule.id).toBeTruthy()
      if (rule.ambiguous) expect(rule.kind, rule.id).toBe('infra')
    }
  })

  test('the seed categories are all used', () => {
    const categories = new Set(BUILTIN_RULES.map((rule) => rule.category))
    for (const seed of [
      'element_not_found',
      'timeout',
      'page_load_failure',
      'action_execution_failure',
      'network_error',
    ])
      expect(categories).toContain(seed)
  })

  test('every rule id is documented in docs/classification.md', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../docs/classification.md'), 'utf8')
    const documented = new Set([...doc.matchAll(/^\|\s*`([a-z0-9.-]+)`\s*\|/gm)].map((match) => match[1]))
    for (const id of new Set(BUILTIN_RULES.map((rule) => rule.id))) expect(documented, id).toContain(id)
  })
})
