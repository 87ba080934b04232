/**
 * bench/classify: accuracy of classify() on the real corpus (test/corpus), per label, and its
 * throughput on the same errors (target ≥ 100,000 verdicts/s). Exits 1 when a corpus entry is
 * misclassified; throughput is a figure, not a gate (the machine's load moves it).
 *
 *   npm run build && node bench/classify.mjs
 *
 * HEAL_DIST=<dir> points at another build of src/ (default: ../dist).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const dist = resolve(process.env.HEAL_DIST ?? new URL('../dist', import.meta.url).pathname)
const { classify } = await import(pathToFileURL(join(dist, 'core/classify.js')).href)

const TARGET_PER_SECOND = 100_000
const MEASURE_MS = 1_500

const corpusDir = new URL('../test/corpus/', import.meta.url).pathname
const entries = readdirSync(corpusDir)
  .filter((file) => file.endsWith('.json'))
  .flatMap((file) => JSON.parse(readFileSync(join(corpusDir, file), 'utf8')))
const failures = entries.map((entry) => ({
  failure: { errors: entry.errors, tags: entry.tags },
  options: { services: entry.services },
}))

const labelOf = ({ kind, service }) => (service ? `${kind} (${service})` : kind)
const rows = new Map()
const misses = []
for (const entry of entries) {
  const verdict = classify({ errors: entry.errors, tags: entry.tags }, { services: entry.services })
  const label = labelOf(entry.label)
  const row = rows.get(label) ?? { total: 0, correct: 0 }
  row.total++
  if (verdict.kind === entry.label.kind && verdict.service === entry.label.service) row.correct++
  else misses.push(`${entry.id}: want ${label}, got ${labelOf(verdict)} by ${verdict.rule}`)
  rows.set(label, row)
}

const pct = (correct, total) => `${((100 * correct) / total).toFixed(1)} %`
console.log('accuracy per label (corpus: %d failures)\n', entries.length)
console.log(
  `  ${'label'.padEnd(20)} ${'entries'.padStart(7)} ${'correct'.padStart(7)} ${'accuracy'.padStart(9)}`,
)
for (const [label, row] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(
    `  ${label.padEnd(20)} ${String(row.total).padStart(7)} ${String(row.correct).padStart(7)} ${pct(row.correct, row.total).padStart(9)}`,
  )
}
const correct = entries.length - misses.length
console.log(
  `  ${'all'.padEnd(20)} ${String(entries.length).padStart(7)} ${String(correct).padStart(7)} ${pct(correct, entries.length).padStart(9)}`,
)
for (const miss of misses) console.log(`  miss: ${miss}`)

// Warm up, then count verdicts over a fixed wall-clock window.
for (let i = 0; i < 20_000; i++)
  classify(failures[i % failures.length].failure, failures[i % failures.length].options)
let verdicts = 0
const started = performance.now()
while (performance.now() - started < MEASURE_MS) {
  for (const { failure, options } of failures) classify(failure, options)
  verdicts += failures.length
}
const perSecond = Math.round(verdicts / ((performance.now() - started) / 1_000))
console.log(
  `\nthroughput: ${perSecond.toLocaleString('en-US')} verdicts/s (target ≥ ${TARGET_PER_SECOND.toLocaleString('en-US')}: ${perSecond >= TARGET_PER_SECOND ? 'met' : 'NOT met'})`,
)
process.exitCode = misses.length > 0 ? 1 : 0
