/**
 * What the mutation testing of error-walk.ts (issue 11) found unpinned: every field of a node, the
 * exact clip of a long message, the depth bound, and the inputs that must not throw (getters that
 * throw, functions as errors, a single error where a list belongs).
 */
import { describe, expect, test } from 'vitest'
import {
  clipMessage,
  errorsOf,
  MAX_DEPTH,
  MAX_MESSAGE_CHARS,
  MAX_NODES,
  readField,
  walkErrors,
} from '../../../src/core/error-walk.js'

describe('a node, field by field', () => {
  test('an object error', () => {
    expect(
      walkErrors([
        { name: 'Caused by: Error', code: 'ECONNREFUSED', message: 'm', address: '::1', port: 5432 },
      ]),
    ).toEqual([
      { name: 'Error', code: 'ECONNREFUSED', message: 'm', address: '::1', port: 5432, depth: 0, index: 0 },
    ])
  })

  test('only a leading "Caused by: " is dropped from a name', () => {
    expect(
      walkErrors([{ name: 'MyCaused by: X' }, { name: 'Caused by: Caused by: Y' }]).map((n) => n.name),
    ).toEqual(['MyCaused by: X', 'Caused by: Y'])
  })

  test('numbers, bigints and booleans are text; other values are no text', () => {
    const [a, b, c, d] = walkErrors([
      { code: 57, message: 12n },
      { code: true, message: { toString: () => 'no' } },
      42,
      Symbol.for('x'),
    ])
    expect([a!.code, a!.message, b!.code, b!.message]).toEqual(['57', '12', 'true', ''])
    expect(c).toEqual({ name: '', code: '', message: '42', address: '', port: undefined, depth: 0, index: 2 })
    expect(d).toEqual({ name: '', code: '', message: '', address: '', port: undefined, depth: 0, index: 3 })
  })

  test('a peer: a port that is not a number is no port; an address that is not text is no address', () => {
    const nodes = walkErrors([
      { address: '10.0.0.1', port: '5432' },
      { address: 7, socket: { remoteAddress: '::1', remotePort: '3000' } },
      { socket: { remoteAddress: 1, remotePort: 3000 } },
      { socket: null },
    ])
    expect(nodes.map((n) => [n.address, n.port])).toEqual([
      ['10.0.0.1', undefined],
      ['::1', undefined],
      ['', undefined],
      ['', undefined],
    ])
  })

  test('the index counts nodes in walk order, skipping what is not there', () => {
    const nodes = walkErrors([
      undefined,
      { message: 'a', cause: null, errors: [null, { message: 'b' }] },
      null,
      'c',
    ])
    expect(nodes.map((n) => [n.message, n.depth, n.index])).toEqual([
      ['a', 0, 0],
      ['b', 1, 1],
      ['c', 0, 2],
    ])
  })
})

describe('bounds', () => {
  test('a message of MAX_MESSAGE_CHARS is whole; one longer keeps 12,288 of head and 4,096 of tail', () => {
    const whole = 'w'.repeat(MAX_MESSAGE_CHARS)
    expect(clipMessage(whole)).toBe(whole)
    const text = 'h'.repeat(MAX_MESSAGE_CHARS - 4_096) + 'm' + 't'.repeat(4_096)
    expect(clipMessage(text)).toBe(`${'h'.repeat(MAX_MESSAGE_CHARS - 4_096)}\n…\n${'t'.repeat(4_096)}`)
  })

  test(`causes are followed ${MAX_DEPTH} deep and no deeper`, () => {
    let error: Record<string, unknown> = { message: 'deepest' }
    for (let i = MAX_DEPTH + 3; i > 0; i--) error = { message: String(i - 1), cause: error }
    const nodes = walkErrors([error])
    expect(nodes).toHaveLength(MAX_DEPTH + 1)
    expect(nodes.at(-1)).toMatchObject({ message: String(MAX_DEPTH), depth: MAX_DEPTH })
  })

  // A thrown function gets no name or message of its own, but its cause is still walked.
  test('the same function met twice is one node', () => {
    const fn = Object.assign(() => undefined, { message: 'fn', cause: { message: 'never' } })
    expect(walkErrors([fn, { message: 'x', cause: fn }]).map((n) => [n.message, n.depth])).toEqual([
      ['', 0],
      ['never', 1],
      ['x', 0],
    ])
  })
})

describe('nothing here throws', () => {
  test('a getter that throws reads as missing', () => {
    const hostile = {
      message: 'kept',
      get name(): string {
        throw new Error('no')
      },
      get cause(): unknown {
        throw new Error('no')
      },
    }
    expect(readField(hostile, 'name')).toBeUndefined()
    expect(walkErrors([hostile]).map((n) => [n.name, n.message])).toEqual([['', 'kept']])
  })

  test('an errors array whose getter throws keeps what was read before', () => {
    const errors = [{ message: 'first' }, { message: 'second' }]
    Object.defineProperty(errors, 1, {
      get() {
        throw new Error('no')
      },
    })
    expect(walkErrors([{ message: 'outer', errors }]).map((n) => n.message)).toEqual(['outer', 'first'])
  })

  test('readField reads objects and functions only', () => {
    expect(readField('text', 'length')).toBeUndefined()
    expect(readField(null, 'x')).toBeUndefined()
    expect(readField(undefined, 'x')).toBeUndefined()
    expect(
      readField(
        Object.assign(() => 0, { x: 1 }),
        'x',
      ),
    ).toBe(1)
    expect(readField({ x: 2 }, 'x')).toBe(2)
  })
})

describe('what is not an error', () => {
  test('the same text thrown twice is two errors (only objects are deduplicated)', () => {
    expect(walkErrors(['boom', 'boom', 7, 7]).map((n) => n.message)).toEqual(['boom', 'boom', '7', '7'])
  })

  test('errors that is text, a number or null adds no node', () => {
    for (const errors of ['some text', 7, null, true])
      expect(walkErrors([{ message: 'outer', errors }]).map((n) => n.message)).toEqual(['outer'])
  })

  test('at most MAX_NODES entries of one errors list are read', () => {
    let reads = 0
    const list = new Proxy(
      Array.from({ length: 1_000 }, (_, i) => ({ message: String(i) })),
      {
        get(target, key, receiver) {
          if (typeof key === 'string' && /^\d+$/.test(key)) reads++
          return Reflect.get(target, key, receiver)
        },
      },
    )
    walkErrors([{ message: 'wide', errors: list }])
    expect(reads).toBe(MAX_NODES)
  })
})

describe('errorsOf', () => {
  test('an array as given, one error as a list of one, nothing as none', () => {
    const one = { message: 'one' }
    const list = [one]
    expect(errorsOf({ errors: list })).toBe(list)
    expect(errorsOf({ errors: one })).toEqual([one])
    expect(errorsOf({ errors: 'text' })).toEqual(['text'])
    expect(errorsOf({ errors: null })).toEqual([])
    expect(errorsOf({})).toEqual([])
    expect(errorsOf(undefined)).toEqual([])
  })
})
