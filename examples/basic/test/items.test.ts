import { describe, expect, test } from 'vitest'

const app = () => process.env.APP_URL!.replace(/\/health$/, '')

describe('items API', () => {
  test('adds an item and lists it', { tags: ['needs:app', 'needs:db'] }, async () => {
    const name = `apple-${process.pid}-${Date.now()}`
    const created = await fetch(`${app()}/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    })
    expect(created.status).toBe(201)
    const list = (await (await fetch(`${app()}/items`)).json()) as { name: string }[]
    expect(list.map((item) => item.name)).toContain(name)
  })

  test('rejects an item without a name', { tags: ['needs:app'] }, async () => {
    const response = await fetch(`${app()}/items`, { method: 'POST', body: '{}' })
    expect(response.status).toBe(400)
  })
})
