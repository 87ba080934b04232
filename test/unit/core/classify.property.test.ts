/** Properties that must hold for any input, checked with fast-check. */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { classify } from '../../../src/core/classify.js'
import type { ErrorLike, ServiceRef } from '../../../src/core/types.js'

const services: ServiceRef[] = [
  { name: 'db', kind: 'postgres', host: '127.0.0.1', port: 5432 },
  { name: 'app', kind: 'http', url: 'http://localhost:3000' },
  { name: 'browser', kind: 'webdriver', url: 'http://127.0.0.1:9515' },
]

/** Text that tends to hit the catalogue, mixed with noise. */
const evidenceText = fc.oneof(
  fc.string(),
  fc.constantFrom(
    'connect ECONNREFUSED 127.0.0.1:5432',
    'socket hang up',
    'Connection terminated unexpectedly',
    'the database system is starting up',
    'net::ERR_CONNECTION_REFUSED',
    'invalid session id',
    'Test timed out in 5000ms.',
    'deadlock detected',
    'fetch failed',
    'other side closed',
  ),
)
const name = fc.oneof(
  fc.string(),
  fc.constantFrom(
    'Error',
    'error',
    'TypeError',
    'TimeoutError',
    'NoSuchSessionError',
    'StaleElementReferenceError',
    'Caused by: Error',
    'AggregateError',
  ),
)
const code = fc.oneof(
  fc.constant(undefined),
  fc.string(),
  fc.integer(),
  fc.constantFrom('ECONNREFUSED', 'ECONNRESET', '57P01', '40P01', '08006', 'UND_ERR_SOCKET', '42P01'),
)

const errorTree: fc.Arbitrary<ErrorLike> = fc.letrec<{ error: ErrorLike }>((tie) => ({
  error: fc.record(
    {
      name,
      message: evidenceText,
      code,
      cause: fc.option(tie('error'), { depthSize: 'small', nil: undefined }),
      errors: fc.option(fc.array(tie('error'), { maxLength: 3 }), { depthSize: 'small', nil: undefined }),
    },
    { requiredKeys: ['message'] },
  ),
})).error

const assertionError = fc.record({
  name: fc.constantFrom('AssertionError', 'Caused by: AssertionError'),
  message: evidenceText,
  code: fc.constantFrom(undefined, 'ECONNREFUSED', 'ERR_ASSERTION'),
})

/** Puts `inner` somewhere in the tree: as an error of the list, a cause, or inside `errors`. */
function plant(tree: ErrorLike[], inner: ErrorLike, path: number[]): ErrorLike[] {
  if (tree.length === 0 || path.length === 0) return [...tree, inner]
  const [head, ...rest] = path
  const index = head! % tree.length
  const target = { ...tree[index]! }
  if (rest.length === 0 || (target.cause === undefined && !Array.isArray(target.errors))) {
    if (head! % 2 === 0) target.cause = inner
    else target.errors = [...(Array.isArray(target.errors) ? target.errors : []), inner]
  } else if (target.cause !== undefined && (head! % 2 === 0 || !Array.isArray(target.errors))) {
    target.cause = plant([target.cause as ErrorLike], inner, rest)[0]
  } else {
    target.errors = plant(target.errors as ErrorLike[], inner, rest)
  }
  const copy = [...tree]
  copy[index] = target
  return copy
}

describe('classify, for any input', () => {
  test('never throws and always answers a known kind', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (failure, options) => {
        const verdict = classify(failure as never, options as never)
        expect(['infra', 'flaky', 'test-bug']).toContain(verdict.kind)
        expect(typeof verdict.evidence).toBe('string')
      }),
      { numRuns: 500 },
    )
  })

  test('never throws on error-shaped trees, and answers the same twice', () => {
    fc.assert(
      fc.property(
        fc.array(errorTree, { maxLength: 4 }),
        fc.array(fc.constantFrom('needs:db', 'needs:app', 'other')),
        (errors, tags) => {
          const first = classify({ errors, tags }, { services })
          expect(classify({ errors, tags }, { services })).toEqual(first)
          expect(first.evidence.length).toBeLessThanOrEqual(400)
          if (first.service !== undefined)
            expect(services.map((service) => service.name)).toContain(first.service)
        },
      ),
      { numRuns: 500 },
    )
  })

  test('an assertion error anywhere in the chain is never infra', () => {
    fc.assert(
      fc.property(
        fc.array(errorTree, { maxLength: 4 }),
        assertionError,
        fc.array(fc.nat(), { maxLength: 4 }),
        (errors, assertion, path) => {
          const verdict = classify({ errors: plant(errors, assertion, path) }, { services })
          expect(verdict.kind).not.toBe('infra')
        },
      ),
      { numRuns: 1_000 },
    )
  })
})
