/**
 * bench/journal (issue 14): what the run journal costs. The overhead suite (2,000 passing tests in
 * 100 files) run with heal() as it is (journal on, the default) and with `journal: false`,
 * alternating in ABBA order; prints each round's wall and CPU ratio, their medians, and the size of
 * the journal a run leaves (one fsync per test file, one write per test).
 * A figure, not a gate: the machine's load moves it.
 *
 *   npm run build && node bench/journal.mjs           # 100 files × 20 tests, 5 rounds
 *   node bench/journal.mjs --quick                     # 40 files × 20 tests, 3 rounds
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateOverheadSuite, WITH_PLUGIN } from './lib/overhead-suite.mjs'
import { countFlag, flags, machineLoad, median, seconds } from './lib/stats.mjs'
import { runVitest } from './lib/vitest-run.mjs'

const options = flags()
const runs = countFlag(options, 'runs', options.quick ? 3 : 5)
const files = countFlag(options, 'files', options.quick ? 40 : 100)
const testsPerFile = countFlag(options, 'tests-per-file', 20)
const total = files * testsPerFile

const JOURNAL_ON = WITH_PLUGIN
const JOURNAL_OFF = 'vitest.nojournal.config.ts'

const dir = await generateOverheadSuite({ files, testsPerFile, name: 'journal' })
// The same config as the overhead suite's heal one, the journal turned off.
writeFileSync(
  join(dir, JOURNAL_OFF),
  `import { defineConfig } from 'vitest/config'
import { heal, service } from 'vitest-heal'

export default defineConfig({
  plugins: [heal({ journal: false, services: { app: service({ name: 'always healthy', check: () => true }) } })],
  test: { include: ['test/**/*.test.ts'] },
})
`,
)
console.log(
  `journal: ${total} passing tests in ${files} files, ${runs} rounds with and without the journal (ABBA)`,
)
console.log(`  before: ${machineLoad()}`)

function journalBytes() {
  const journals = join(dir, '.vitest-heal', 'journal')
  try {
    return readdirSync(journals).reduce((sum, name) => sum + statSync(join(journals, name)).size, 0)
  } catch {
    return 0
  }
}

async function timedRun(config) {
  const run = await runVitest(dir, { config })
  if (run.code !== 0 || run.report?.summary?.passed !== total) {
    throw new Error(`${config}: exit ${run.code}, report ${JSON.stringify(run.report?.summary)}`)
  }
  const bytes = journalBytes()
  if ((config === JOURNAL_ON) !== bytes > 0) throw new Error(`${config}: journal of ${bytes} bytes`)
  return { ...run, bytes }
}

await timedRun(JOURNAL_ON)
await timedRun(JOURNAL_OFF)

const measured = { [JOURNAL_ON]: { wall: [], cpu: [] }, [JOURNAL_OFF]: { wall: [], cpu: [] } }
let bytes = 0
for (let i = 0; i < runs; i++) {
  const order = i % 2 === 0 ? [JOURNAL_ON, JOURNAL_OFF] : [JOURNAL_OFF, JOURNAL_ON]
  for (const config of order) {
    const run = await timedRun(config)
    if (config === JOURNAL_ON) bytes = run.bytes
    measured[config].wall.push(run.wallMs)
    measured[config].cpu.push(run.cpuMs)
    const label = config === JOURNAL_ON ? 'journal on ' : 'journal off'
    console.log(`  round ${i + 1}/${runs} ${label} ${seconds(run.wallMs)} wall, ${seconds(run.cpuMs)} CPU`)
  }
}
const on = measured[JOURNAL_ON]
const off = measured[JOURNAL_OFF]
const wallRatios = on.wall.map((w, i) => w / off.wall[i])
const cpuRatios = on.cpu.map((c, i) => c / off.cpu[i])
console.log(`  after: ${machineLoad()}`)
console.log(`journal: wall ratio of each round (on / off): ${wallRatios.map((r) => r.toFixed(3)).join(', ')}`)
console.log(
  `journal: median wall ratio ${median(wallRatios).toFixed(3)}, median CPU ratio ${median(cpuRatios).toFixed(3)}`,
)
console.log(
  `journal: median CPU with ${seconds(median(on.cpu))}, without ${seconds(median(off.cpu))}; journal of ${total} tests: ${(bytes / 1024).toFixed(0)} KiB`,
)
