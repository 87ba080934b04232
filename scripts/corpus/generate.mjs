#!/usr/bin/env node
/**
 * Regenerates test/corpus/*.json: runs the fixture project (scripts/corpus/fixtures) with Vitest's
 * Node API and a capturing reporter, so every error is recorded exactly as a reporter receives it,
 * then labels each capture from labels.mjs.
 *
 *   node scripts/corpus/generate.mjs            all fixture files
 *   node scripts/corpus/generate.mjs http pg    only these (file stems); other corpus files are kept
 *
 * Needs PostgreSQL 15 binaries (pg.test.ts) and Chromium + chromedriver (selenium.test.ts).
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startVitest } from 'vitest/node'
import { CaptureReporter } from './capture-reporter.mjs'
import { LABELS } from './labels.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const fixtures = join(here, 'fixtures')
const corpusDir = resolve(here, '../../test/corpus')

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => done(port))
    })
  })
}

const ports = {
  db: await freePort(),
  app: await freePort(),
  api: await freePort(),
  browser: await freePort(),
}
for (const [name, port] of Object.entries(ports))
  process.env[`CORPUS_${name.toUpperCase()}_PORT`] = String(port)
process.env.SE_OFFLINE = 'true'

/** The services of the corpus project, as a user would configure them (note the mix of hosts). */
const SERVICES = {
  db: { name: 'db', kind: 'postgres', url: `postgres://postgres:secret@127.0.0.1:${ports.db}/postgres` },
  app: { name: 'app', kind: 'http', url: `http://127.0.0.1:${ports.app}/` },
  api: { name: 'api', kind: 'http', url: `http://localhost:${ports.api}/health` },
  browser: { name: 'browser', kind: 'webdriver', url: `http://127.0.0.1:${ports.browser}` },
}

const stems = process.argv.slice(2)
const files = stems.length > 0 ? stems.map((stem) => `${stem}.test.ts`) : []
const reporter = new CaptureReporter()
const vitest = await startVitest('test', files, {
  root: fixtures,
  config: join(fixtures, 'vitest.config.mjs'),
  watch: false,
  reporters: [reporter, 'dot'],
})
await vitest?.close()

/** Keeps what a reporter got, minus what only makes files churn (absolute paths of this machine). */
/** Library state hung on an error (pg puts its whole `client` on uncaught errors) is not evidence: summarised. */
const BULKY_KEYS = 40

function portable(value, seen = new WeakSet()) {
  if (typeof value === 'string') return value.split(resolve(here, '../..')).join('<root>')
  if (value === null || typeof value !== 'object') return value
  if (seen.has(value)) return '[Circular]'
  seen.add(value)
  if (Array.isArray(value)) return value.map((item) => portable(item, seen))
  const entries = Object.entries(value)
  if (entries.length > BULKY_KEYS && !('message' in value)) return `[object with ${entries.length} keys]`
  return Object.fromEntries(entries.map(([key, item]) => [key, portable(item, seen)]))
}

const byFile = new Map()
const unlabelled = []
for (const capture of reporter.captures) {
  const label = LABELS[capture.id]
  if (!label) {
    unlabelled.push(capture)
    continue
  }
  const services = (label.services ?? Object.keys(SERVICES)).map((name) => SERVICES[name])
  const entry = {
    id: capture.id,
    label: label.service ? { kind: label.kind, service: label.service } : { kind: label.kind },
    services,
    ...(capture.tags.length > 0 || label.tags ? { tags: [...capture.tags, ...(label.tags ?? [])] } : {}),
    source: { scope: capture.scope, note: label.note },
    errors: portable(capture.errors),
  }
  const file = capture.id.split('/')[0] === 'unhandled' ? capture.id.split('/')[1] : capture.id.split('/')[0]
  if (!byFile.has(file)) byFile.set(file, [])
  byFile.get(file).push(entry)
}

mkdirSync(corpusDir, { recursive: true })
for (const [file, entries] of byFile) {
  entries.sort((a, b) => a.id.localeCompare(b.id))
  writeFileSync(join(corpusDir, `${file}.json`), `${JSON.stringify(entries, null, 2)}\n`)
  console.log(`test/corpus/${file}.json: ${entries.length} entries`)
}

const captured = new Set(reporter.captures.map((capture) => capture.id))
const ranFiles =
  stems.length > 0
    ? stems
    : readdirSync(fixtures)
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => f.replace(/\.test\.ts$/, ''))
const missing = Object.keys(LABELS).filter(
  (id) =>
    !captured.has(id) && ranFiles.some((f) => id.startsWith(`${f}/`) || id.startsWith(`unhandled/${f}/`)),
)
for (const capture of unlabelled)
  console.warn(
    `unlabelled capture (add it to labels.mjs): ${capture.id}\n  ${capture.errors.map((e) => `${e?.name}: ${String(e?.message).split('\n')[0]}`).join('\n  ')}`,
  )
for (const id of missing) console.warn(`labelled but not produced this time: ${id}`)
process.exitCode = unlabelled.length > 0 || missing.length > 0 ? 1 : 0
