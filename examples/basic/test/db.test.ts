import pg from 'pg'
import { afterAll, beforeAll, expect, test } from 'vitest'

const client = new pg.Client({ connectionString: process.env.DATABASE_URL })

beforeAll(async () => {
  await client.connect()
  await client.query('CREATE TABLE IF NOT EXISTS ledger (id serial PRIMARY KEY, amount int NOT NULL)')
})
afterAll(() => client.end())

test('a transaction that rolls back leaves no row', { tags: ['needs:db'] }, async () => {
  const before = await client.query('SELECT count(*)::int AS n FROM ledger')
  await client.query('BEGIN')
  await client.query('INSERT INTO ledger (amount) VALUES (10)')
  await client.query('ROLLBACK')
  const after = await client.query('SELECT count(*)::int AS n FROM ledger')
  expect(after.rows[0].n).toBe(before.rows[0].n)
})

test('the database refuses a NULL amount', { tags: ['needs:db'] }, async () => {
  await expect(client.query('INSERT INTO ledger (amount) VALUES (NULL)')).rejects.toMatchObject({ code: '23502' })
})
