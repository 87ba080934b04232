import pg from 'pg'
import { afterAll, beforeAll, expect, test } from 'vitest'

// A pool, as most apps use: a connection that died with the server is replaced by a new one.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 })
pool.on('error', () => {})

beforeAll(async () => {
  await pool.query('CREATE TABLE IF NOT EXISTS ledger (id serial PRIMARY KEY, amount int NOT NULL)')
})
afterAll(() => pool.end())

const pause = () => new Promise((resolve) => setTimeout(resolve, 60))

for (let amount = 1; amount <= 8; amount++) {
  test(`a transaction of ${amount} that rolls back leaves no row`, { tags: ['needs:db'] }, async () => {
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      const { rows } = await client.query('INSERT INTO ledger (amount) VALUES ($1) RETURNING id', [amount])
      await client.query('ROLLBACK')
      const after = await client.query('SELECT count(*)::int AS n FROM ledger WHERE id = $1', [rows[0].id])
      expect(after.rows[0].n).toBe(0)
    } finally {
      client.release()
    }
    await pause()
  })
}

test('the database refuses a NULL amount', { tags: ['needs:db'] }, async () => {
  await expect(pool.query('INSERT INTO ledger (amount) VALUES (NULL)')).rejects.toMatchObject({ code: '23502' })
})
