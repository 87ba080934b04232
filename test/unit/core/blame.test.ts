import { describe, expect, test } from 'vitest'
import { addressesInText, blameService, normaliseHost } from '../../../src/core/blame.js'
import { classify } from '../../../src/core/classify.js'
import type { ServiceRef } from '../../../src/core/types.js'

describe('addressesInText', () => {
  test('finds node syscall addresses (bare IPv6 too), host:port, URLs and DNS names', () => {
    expect(addressesInText('connect ECONNREFUSED ::1:5432')).toContainEqual({ host: 'localhost', port: 5432 })
    expect(addressesInText('connect ECONNREFUSED 127.0.0.1:3000')).toContainEqual({
      host: 'localhost',
      port: 3000,
    })
    expect(addressesInText('to [::1]:8080 failed')).toContainEqual({ host: 'localhost', port: 8080 })
    expect(addressesInText('GET https://api.example.test/v1 failed')).toContainEqual({
      host: 'api.example.test',
      port: 443,
    })
    expect(addressesInText('getaddrinfo ENOTFOUND db.internal')).toContainEqual({ host: 'db.internal' })
    expect(addressesInText('Test timed out in 5000ms.')).toEqual([])
  })

  test('loopback names are one host', () => {
    expect(
      new Set(['localhost', '127.0.0.1', '::1', '[::1]', '127.0.1.1', 'LOCALHOST'].map(normaliseHost)),
    ).toEqual(new Set(['localhost']))
    expect(normaliseHost('db.internal')).toBe('db.internal')
  })
})

describe('blameService', () => {
  const services: ServiceRef[] = [
    { name: 'db', kind: 'postgres', url: 'postgresql://u:p@db.internal/app' },
    { name: 'cache', kind: 'tcp', host: 'localhost', port: 6379 },
    { name: 'api', kind: 'http', url: 'http://127.0.0.1:8080' },
    { name: 'web', kind: 'http', url: 'http://127.0.0.1:3000' },
  ]

  test("the rule's kind first: an address of another kind never takes the blame from it", () => {
    expect(
      blameService(services, { family: 'postgres', addresses: [{ host: 'localhost', port: 6379 }] }),
    ).toBe('db')
    expect(blameService(services, { addresses: [{ host: 'localhost', port: 6379 }] })).toBe('cache')
    expect(blameService(services, { addresses: [{ host: 'db.internal', port: 5432 }] })).toBe('db')
    expect(blameService(services, { addresses: [{ host: 'db.internal' }] })).toBe('db')
  })

  test('an address picks among several services of the kind, wherever it stands in the text', () => {
    expect(
      blameService(services, {
        family: 'http',
        addresses: [
          { host: 'localhost', port: 6379 },
          { host: 'localhost', port: 3000 },
        ],
      }),
    ).toBe('web')
  })

  test('an HTTP client error with no address blames the one http service, and only then', () => {
    const one: ServiceRef[] = [services[0]!, services[2]!]
    expect(blameService(one, { clientKind: 'http', addresses: [] })).toBe('api')
    // An address that names no declared service points elsewhere (an external API).
    expect(
      blameService(one, { clientKind: 'http', addresses: [{ host: 'api.example.test', port: 443 }] }),
    ).toBeUndefined()
    expect(blameService(services, { clientKind: 'http', addresses: [] })).toBeUndefined()
    expect(blameService(services, { clientKind: 'http', addresses: [], tags: ['needs:web'] })).toBe('web')
    expect(blameService([services[0]!], { clientKind: 'http', addresses: [] })).toBeUndefined()
  })

  test('an unknown address falls back to the family, then to tags', () => {
    expect(blameService(services, { family: 'postgres', addresses: [{ host: 'localhost', port: 1 }] })).toBe(
      'db',
    )
    expect(blameService(services, { family: 'http', addresses: [] })).toBeUndefined()
    expect(blameService(services, { family: 'http', addresses: [], tags: ['needs:web'] })).toBe('web')
    expect(blameService(services, { family: 'webdriver', addresses: [], tags: ['needs:cache'] })).toBe(
      'cache',
    )
  })

  test('a family that is a service name blames it directly', () => {
    expect(blameService(services, { family: 'api', addresses: [{ host: 'localhost', port: 3000 }] })).toBe(
      'api',
    )
  })
})

describe('a service whose port is not known yet', () => {
  test('does not take the blame from a service whose port matches exactly', () => {
    const services = [
      { name: 'db', kind: 'postgres', host: '127.0.0.1' },
      { name: 'browser', kind: 'webdriver', url: 'http://127.0.0.1:9573' },
    ]
    const verdict = classify(
      {
        errors: [{ name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:9573', code: 'ECONNREFUSED' }],
        tags: ['needs:db'],
      },
      { services },
    )
    expect(verdict).toMatchObject({ kind: 'infra', service: 'browser' })
  })
})
