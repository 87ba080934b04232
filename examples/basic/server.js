// A small HTTP API over PostgreSQL: the app under test in the basic example.
// Reads DATABASE_URL (exported by vitest-heal's `db` service) and PORT.
import http from 'node:http'
import pg from 'pg'

const port = Number(process.env.PORT ?? 3971)
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4, connectionTimeoutMillis: 2000 })
// Idle clients die with the database; without a listener the process would crash on it.
pool.on('error', () => {})

await ensureSchema()

async function ensureSchema() {
  for (let attempt = 0; ; attempt++) {
    try {
      await pool.query('CREATE TABLE IF NOT EXISTS items (id serial PRIMARY KEY, name text NOT NULL UNIQUE)')
      return
    } catch (error) {
      if (attempt >= 50) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

async function readJson(req) {
  let text = ''
  for await (const chunk of req) text += chunk
  return text ? JSON.parse(text) : {}
}

const server = http.createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && req.url === '/health') {
      await pool.query('SELECT 1')
      return send(res, 200, { ok: true })
    }
    if (req.method === 'GET' && req.url === '/items') {
      const { rows } = await pool.query('SELECT id, name FROM items ORDER BY id')
      return send(res, 200, rows)
    }
    if (req.method === 'POST' && req.url === '/items') {
      const { name } = await readJson(req)
      if (typeof name !== 'string' || name === '') return send(res, 400, { error: 'name is required' })
      const { rows } = await pool.query('INSERT INTO items (name) VALUES ($1) RETURNING id, name', [name])
      return send(res, 201, rows[0])
    }
    send(res, 404, { error: 'not found' })
  } catch (error) {
    // The database being down is the app's 503, not a crash: the tests (and vitest-heal) see it as such.
    send(res, 503, { error: error.message, code: error.code })
  }
})

server.listen(port, '127.0.0.1')
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close()
    pool.end().finally(() => process.exit(0))
  })
}
