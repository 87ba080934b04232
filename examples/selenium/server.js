// A small web app over PostgreSQL: the app under test in the Selenium example. One page lists the
// items and has a form that adds one. Reads DATABASE_URL (exported by vitest-heal's `db` service) and PORT.
import http from 'node:http'
import pg from 'pg'

const port = Number(process.env.PORT ?? 3973)
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: 4,
  connectionTimeoutMillis: 2000,
})
// Idle clients die with the database; without a listener the process would crash on it.
pool.on('error', () => {})

for (let attempt = 0; ; attempt++) {
  try {
    await pool.query('CREATE TABLE IF NOT EXISTS items (id serial PRIMARY KEY, name text NOT NULL)')
    break
  } catch (error) {
    if (attempt >= 50) throw error
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const page = (body) => `<!doctype html><html><head><meta charset="utf-8"><title>Items</title></head>
<body><h1>Items</h1>${body}</body></html>`

function send(res, status, body, type = 'text/html; charset=utf-8') {
  res.writeHead(status, { 'content-type': type })
  res.end(body)
}

async function readForm(req) {
  let text = ''
  for await (const chunk of req) text += chunk
  return new URLSearchParams(text)
}

const server = http.createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && req.url === '/health') {
      await pool.query('SELECT 1')
      return send(res, 200, JSON.stringify({ ok: true, pid: process.pid }), 'application/json')
    }
    if (req.method === 'GET' && req.url === '/') {
      const { rows } = await pool.query('SELECT name FROM items ORDER BY id')
      const items = rows.map((row) => `<li>${escape(row.name)}</li>`).join('')
      return send(
        res,
        200,
        page(`<ul id="items">${items}</ul>
<form method="post" action="/items"><input id="name" name="name" autocomplete="off"> <button id="add">Add</button></form>`),
      )
    }
    if (req.method === 'POST' && req.url === '/items') {
      const name = (await readForm(req)).get('name')
      if (!name) return send(res, 400, page('<p id="app-error">name is required</p>'))
      await pool.query('INSERT INTO items (name) VALUES ($1)', [name])
      res.writeHead(303, { location: '/' })
      return res.end()
    }
    send(res, 404, page('<p>not found</p>'))
  } catch (error) {
    // The database being down is the app's 503 with the driver's own words, which tell whom to blame.
    send(res, 503, page(`<p id="app-error">${escape(error.message)}</p>`))
  }
})

server.listen(port, '127.0.0.1')
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close()
    pool.end().finally(() => process.exit(0))
  })
}
