import picomatch from 'picomatch'
import { describe, expect, test } from 'vitest'
import { isHealed, servicesNeeded, type ServiceClaim } from '../../../src/core/needs.js'

const claims: ServiceClaim[] = [
  { name: 'db', claims: picomatch(['test/db/**']) },
  { name: 'app', claims: picomatch(['test/api/*.test.ts']) },
]

describe('servicesNeeded', () => {
  test('tags and globs feed the same answer', () => {
    expect(servicesNeeded({ file: 'test/db/users.test.ts', tags: ['needs:app'] }, claims).sort()).toEqual([
      'app',
      'db',
    ])
  })
  test('a file no glob claims and no tag declares needs nothing', () => {
    expect(servicesNeeded({ file: 'test/unit/math.test.ts', tags: ['slow'] }, claims)).toEqual([])
  })
  test('a service named by a tag and a glob is listed once', () => {
    expect(servicesNeeded({ file: 'test/db/a.test.ts', tags: ['needs:db'] }, claims)).toEqual(['db'])
  })
})

describe('isHealed', () => {
  test('heal:off opts a test out, even a test that needs a service', () => {
    expect(isHealed({ file: 'test/db/a.test.ts', tags: ['heal:off', 'needs:db'] }, claims, false)).toBe(false)
  })
  test('without optIn every other test is healed', () => {
    expect(isHealed({ file: 'test/unit/x.test.ts', tags: [] }, claims, false)).toBe(true)
  })
  test('with optIn only tests tagged heal or needing a service are healed', () => {
    expect(isHealed({ file: 'test/unit/x.test.ts', tags: [] }, claims, true)).toBe(false)
    expect(isHealed({ file: 'test/unit/x.test.ts', tags: ['heal'] }, claims, true)).toBe(true)
    expect(isHealed({ file: 'test/unit/x.test.ts', tags: ['needs:db'] }, claims, true)).toBe(true)
    expect(isHealed({ file: 'test/api/x.test.ts', tags: [] }, claims, true)).toBe(true)
  })
})
