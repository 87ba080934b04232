import { describe, expect, test } from 'vitest'
import { MAX_MESSAGE_CHARS, MAX_NODES, walkErrors } from '../../../src/core/error-walk.js'

describe('walkErrors', () => {
  test('outermost first: each error, then its cause chain, then its inner errors', () => {
    const nodes = walkErrors([
      {
        name: 'A',
        message: 'a',
        cause: { name: 'Caused by: B', message: 'b', cause: { name: 'C', message: 'c' } },
        errors: [{ name: 'D', message: 'd' }],
      },
      { name: 'E', message: 'e' },
    ])
    expect(nodes.map((node) => node.name)).toEqual(['A', 'B', 'C', 'D', 'E'])
    expect(nodes.map((node) => node.depth)).toEqual([0, 1, 2, 1, 0])
  })

  test('stops at cycles and at the node limit', () => {
    const a: Record<string, unknown> = { message: 'a' }
    a.cause = { message: 'b', cause: a, errors: [a] }
    expect(walkErrors([a, a]).map((node) => node.message)).toEqual(['a', 'b'])
    const wide = {
      message: 'wide',
      errors: Array.from({ length: 1_000 }, (_, i) => ({ message: String(i) })),
    }
    expect(walkErrors([wide])).toHaveLength(MAX_NODES)
  })

  test('reads codes, peers and non-objects as text', () => {
    const [pgError, socketError, thrown] = walkErrors([
      { name: 'error', code: 23, message: 'x', address: '127.0.0.1', port: 5432 },
      { message: 'other side closed', socket: { remoteAddress: '::1', remotePort: 3000 } },
      'a thrown string',
    ])
    expect(pgError).toMatchObject({ code: '23', address: '127.0.0.1', port: 5432 })
    expect(socketError).toMatchObject({ address: '::1', port: 3000 })
    expect(thrown).toMatchObject({ name: '', message: 'a thrown string' })
  })

  test('keeps the head and the tail of a huge message', () => {
    const [node] = walkErrors([{ message: `head ${'x'.repeat(2_000_000)} tail` }])
    expect(node!.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS + 3)
    expect(node!.message.startsWith('head')).toBe(true)
    expect(node!.message.endsWith('tail')).toBe(true)
  })

  test('a lone error where a list belongs is walked, not dropped', () => {
    const refused = { name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:5432', code: 'ECONNREFUSED' }
    expect(walkErrors(refused).map((node) => node.code)).toEqual(['ECONNREFUSED'])
    const wrapper = { name: 'AggregateError', message: 'all failed', errors: refused }
    expect(walkErrors([wrapper]).map((node) => [node.name, node.depth])).toEqual([
      ['AggregateError', 0],
      ['Error', 1],
    ])
    expect(walkErrors(undefined)).toEqual([])
    expect(walkErrors(null)).toEqual([])
  })
})
