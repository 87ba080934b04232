/**
 * What the mutation testing of blame.ts (issue 11) found unpinned: the exact addresses read from a
 * message (each family, default ports, impossible ports), which hosts are loopback, and how an
 * address, a port that is not known yet, a family and `needs:` tags settle among services.
 */
import { describe, expect, test } from 'vitest'
import { addressesInText, addressFromUrl, blameService, normaliseHost } from '../../../src/core/blame.js'
import type { ServiceRef } from '../../../src/core/types.js'

describe('addressesInText, exactly', () => {
  test.each([
    // A URL is read as a URL and again as host:port: the list is evidence in order, not a set.
    [
      'GET http://127.0.0.1:3000/x failed',
      [
        { host: 'localhost', port: 3000 },
        { host: 'localhost', port: 3000 },
      ],
    ],
    ['connect ECONNREFUSED ::1:5432', [{ host: 'localhost', port: 5432 }]],
    [
      'read ECONNRESET 10.0.0.2:1 write EPIPE 10.0.0.3:2',
      [
        { host: '10.0.0.2', port: 1 },
        { host: '10.0.0.3', port: 2 },
        { host: '10.0.0.2', port: 1 },
        { host: '10.0.0.3', port: 2 },
      ],
    ],
    [
      'connect ECONNREFUSED 127.0.0.1:5432 and getaddrinfo ENOTFOUND db.internal',
      [{ host: 'localhost', port: 5432 }, { host: 'localhost', port: 5432 }, { host: 'db.internal' }],
    ],
    ['getaddrinfo EAI_AGAIN db.internal', [{ host: 'db.internal' }]],
    ['getaddrinfo', []],
    ['no colon and no lookup', []],
    [
      'ws://h wss://h postgres://h postgresql://h https://h http://h ftp://h',
      [
        { host: 'h', port: 80 },
        { host: 'h', port: 443 },
        { host: 'h', port: 5432 },
        { host: 'h', port: 5432 },
        { host: 'h', port: 443 },
        { host: 'h', port: 80 },
        { host: 'h' },
      ],
    ],
    // Port 0 and ports above 65535 are no ports: the host is still evidence.
    [
      'db.x:0 db.x:65535 db.x:65536 [::1]:8080 localhost:5 10.0.0.1:99',
      [
        { host: 'db.x' },
        { host: 'db.x', port: 65535 },
        { host: 'db.x' },
        { host: 'localhost', port: 8080 },
        { host: 'localhost', port: 5 },
        { host: '10.0.0.1', port: 99 },
      ],
    ],
    ['a URL with no host http:// x', []],
    ['ratio 3:2 and time 10:30', []],
    // Every label of a name, every digit of an address.
    [
      'at api.example-1.test:8443 and 10.20.30.140:5432',
      [
        { host: 'api.example-1.test', port: 8443 },
        { host: '10.20.30.140', port: 5432 },
      ],
    ],
  ])('%j', (text, expected) => {
    expect(addressesInText(text)).toEqual(expected)
  })

  test('addressFromUrl: an explicit port wins, an unknown scheme has none, junk is no address', () => {
    expect(addressFromUrl('https://api.test:8443/x')).toEqual({ host: 'api.test', port: 8443 })
    expect(addressFromUrl('redis://cache')).toEqual({ host: 'cache', port: undefined })
    expect(addressFromUrl('not a url')).toBeUndefined()
    expect(addressFromUrl('file:///tmp/x')).toBeUndefined()
  })
})

describe('normaliseHost', () => {
  test.each([
    ['0.0.0.0', 'localhost'],
    ['::', 'localhost'],
    ['0:0:0:0:0:0:0:1', 'localhost'],
    ['[::1]', 'localhost'],
    ['app.localhost', 'localhost'],
    ['127.9.9.9', 'localhost'],
    ['DB.Internal', 'db.internal'],
    ['[FE80::1]', 'fe80::1'],
    ['x127.0.0.1', 'x127.0.0.1'],
    // Only a leading [ and a trailing ] are brackets.
    ['a[b]c', 'a[b]c'],
    ['[fe80::1', 'fe80::1'],
    ['fe80::1]', 'fe80::1'],
    ['localhost.example', 'localhost.example'],
  ])('%s → %s', (host, expected) => {
    expect(normaliseHost(host)).toBe(expected)
  })
})

describe('blameService settles among services', () => {
  const exact: ServiceRef = { name: 'exact', kind: 'tcp', host: 'localhost', port: 6379 }
  const anyPort: ServiceRef = { name: 'anyPort', kind: 'tcp', host: '127.0.0.1' }
  const portOnly: ServiceRef = { name: 'portOnly', kind: 'tcp', port: 7000 }

  test('a service with only a port is on localhost; one with only a host matches any port', () => {
    expect(blameService([portOnly], { addresses: [{ host: 'localhost', port: 7000 }] })).toBe('portOnly')
    expect(blameService([portOnly], { addresses: [{ host: 'db.internal', port: 7000 }] })).toBeUndefined()
    expect(blameService([anyPort], { addresses: [{ host: 'localhost', port: 1 }] })).toBe('anyPort')
  })

  test('an exact port beats a port not known yet; an address without a port is ambiguous between them', () => {
    expect(blameService([anyPort, exact], { addresses: [{ host: 'localhost', port: 6379 }] })).toBe('exact')
    expect(blameService([anyPort, exact], { addresses: [{ host: 'localhost', port: 1 }] })).toBe('anyPort')
    expect(blameService([anyPort, exact], { addresses: [{ host: 'localhost' }] })).toBeUndefined()
    expect(
      blameService([anyPort, exact], { addresses: [{ host: 'localhost' }], tags: ['needs:exact'] }),
    ).toBe('exact')
  })

  test('addresses are read in order until one names a service', () => {
    const addresses = [
      { host: 'elsewhere', port: 1 },
      { host: 'localhost', port: 7000 },
      { host: 'localhost', port: 6379 },
    ]
    expect(blameService([exact, portOnly], { addresses })).toBe('portOnly')
  })

  test('only needs:<name> tags count, and two of them choose nobody', () => {
    const services = [exact, portOnly]
    expect(blameService(services, { addresses: [], tags: ['need:exact', 'exact', 'needs:portOnly'] })).toBe(
      'portOnly',
    )
    expect(blameService(services, { addresses: [], tags: ['needs:exact', 'needs:portOnly'] })).toBeUndefined()
    expect(blameService(services, { addresses: [], tags: ['needs:nobody'] })).toBeUndefined()
    expect(blameService(services, { addresses: [] })).toBeUndefined()
  })

  test('several of the rule’s kind: an address of another kind blames nobody, tags still may', () => {
    const web: ServiceRef = { name: 'web', kind: 'http', url: 'http://127.0.0.1:3000' }
    const api: ServiceRef = { name: 'api', kind: 'http', url: 'http://127.0.0.1:8080' }
    const services = [exact, web, api]
    const addresses = [{ host: 'localhost', port: 6379 }]
    expect(blameService(services, { family: 'http', addresses })).toBeUndefined()
    expect(blameService(services, { family: 'http', addresses, tags: ['needs:api'] })).toBe('api')
    expect(blameService(services, { family: 'http', addresses: [{ host: 'localhost', port: 8080 }] })).toBe(
      'api',
    )
  })

  test('a client kind decides only when no address was read, and only for one service of that kind', () => {
    const web: ServiceRef = { name: 'web', kind: 'http', url: 'http://127.0.0.1:3000' }
    expect(blameService([exact, web], { clientKind: 'http', addresses: [] })).toBe('web')
    expect(blameService([exact, web], { clientKind: 'tcp', addresses: [] })).toBe('exact')
    expect(
      blameService([exact, web], { clientKind: 'http', addresses: [{ host: 'far', port: 1 }] }),
    ).toBeUndefined()
    expect(
      blameService([exact, web], {
        clientKind: 'http',
        addresses: [{ host: 'far', port: 1 }],
        tags: ['needs:web'],
      }),
    ).toBe('web')
  })

  test('a service known by its URL only is not on localhost', () => {
    const remote: ServiceRef = { name: 'remote', kind: 'postgres', url: 'postgres://db.internal:5432/x' }
    expect(blameService([remote], { addresses: [{ host: 'localhost', port: 1 }] })).toBeUndefined()
    expect(blameService([remote], { addresses: [{ host: 'db.internal', port: 5432 }] })).toBe('remote')
  })

  test('a service with two endpoints is at either', () => {
    const both: ServiceRef = { name: 'both', kind: 'http', url: 'http://app.test:80', port: 3000 }
    expect(blameService([both], { addresses: [{ host: 'app.test', port: 80 }] })).toBe('both')
    expect(blameService([both], { addresses: [{ host: 'app.test' }] })).toBe('both')
    expect(blameService([both, anyPort], { addresses: [{ host: 'localhost', port: 3000 }] })).toBe('both')
  })

  test('a tag counts only with the needs: prefix; a tag that is not text is skipped', () => {
    expect(blameService([exact, portOnly], { addresses: [], tags: ['wants:exact'] })).toBeUndefined()
    expect(blameService([exact, portOnly], { addresses: [], tags: [7 as never, 'needs:exact'] })).toBe(
      'exact',
    )
  })

  test('a client kind with no service of that kind leaves the tags to decide', () => {
    expect(
      blameService([exact, portOnly], { clientKind: 'http', addresses: [], tags: ['needs:exact'] }),
    ).toBe('exact')
  })
})
