import { describe, expect, test } from 'vitest'
import { api } from './support/api.js'

const pause = () => new Promise((resolve) => setTimeout(resolve, 60))

describe('items API', () => {
  for (const fruit of ['apple', 'banana', 'cherry', 'damson', 'elderberry', 'fig', 'grape', 'huckleberry']) {
    test(`adds ${fruit} and lists it`, { tags: ['needs:app', 'needs:db'] }, async () => {
      const name = `${fruit}-${process.pid}-${Date.now()}`
      const created = await api<{ name: string }>('POST', '/items', { name })
      expect(created.status).toBe(201)
      const list = await api<{ name: string }[]>('GET', '/items')
      expect(list.body.map((item) => item.name)).toContain(name)
      await pause()
    })
  }

  test('rejects an item without a name', { tags: ['needs:app'] }, async () => {
    const response = await api('POST', '/items', {})
    expect(response.status).toBe(400)
  })
})
