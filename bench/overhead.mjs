/**
 * bench/overhead (issue 2): a generated suite of 2,000 passing tests in 100 files, run with and
 * without the plugin (its one service healthy), alternating in ABBA order so drift (a warming disk
 * cache, load from other work) falls on both sides alike. Prints each round's wall-time ratio and
 * their median (target ≤ 1.02), the same for CPU time, and the ratio of the two median wall times.
 * A figure, not a gate: the machine's load moves it.
 *
 *   npm run build && node bench/overhead.mjs            # 100 files × 20 tests, 5 runs each
 *   node bench/overhead.mjs --quick                      # 40 files × 20 tests, 3 runs each
 *   node bench/overhead.mjs --runs=7 --files=100 --tests-per-file=20
 *
 * HEAL_DIST=<dir> points at another build of src/ (default: ../dist).
 */
import { generateOverheadSuite, WITH_PLUGIN, WITHOUT_PLUGIN } from './lib/overhead-suite.mjs'
import { countFlag, flags, machineLoad, median, seconds, verdict } from './lib/stats.mjs'
import { runVitest } from './lib/vitest-run.mjs'

const TARGET = 1.02
const options = flags()
const runs = countFlag(options, 'runs', options.quick ? 3 : 5)
const files = countFlag(options, 'files', options.quick ? 40 : 100)
const testsPerFile = countFlag(options, 'tests-per-file', 20)
const total = files * testsPerFile

const dir = await generateOverheadSuite({ files, testsPerFile })
console.log(
  `overhead: ${total} passing tests in ${files} files, ${runs} runs each with and without the plugin (ABBA)`,
)
console.log(`  suite: ${dir}`)
console.log(`  before: ${machineLoad()}`)

/** One run; throws unless every test passed, so a broken suite cannot pass for a fast one. */
async function timedRun(config) {
  const run = await runVitest(dir, { config })
  const passed = Number(/Tests\s+(\d+) passed/.exec(run.output)?.[1] ?? NaN)
  if (run.code !== 0 || passed !== total) {
    throw new Error(`${config}: exit ${run.code}, ${passed} of ${total} passed:\n${run.output.slice(-3000)}`)
  }
  if (config === WITH_PLUGIN && run.report?.summary?.passed !== total) {
    throw new Error(
      `${config}: report.json says ${JSON.stringify(run.report?.summary)}, want ${total} passed`,
    )
  }
  return run
}

// One unmeasured run each: the first run of a suite pays for cold caches.
await timedRun(WITH_PLUGIN)
await timedRun(WITHOUT_PLUGIN)

/** config → the wall and CPU times of its measured runs */
const measured = { [WITH_PLUGIN]: { wall: [], cpu: [] }, [WITHOUT_PLUGIN]: { wall: [], cpu: [] } }
for (let i = 0; i < runs; i++) {
  const order = i % 2 === 0 ? [WITH_PLUGIN, WITHOUT_PLUGIN] : [WITHOUT_PLUGIN, WITH_PLUGIN]
  for (const config of order) {
    const { wallMs, cpuMs } = await timedRun(config)
    measured[config].wall.push(wallMs)
    measured[config].cpu.push(cpuMs)
    const label = config === WITH_PLUGIN ? 'with plugin   ' : 'without plugin'
    console.log(`  run ${i + 1}/${runs} ${label} ${seconds(wallMs)} wall, ${seconds(cpuMs)} CPU`)
  }
}

const withPlugin = measured[WITH_PLUGIN]
const withoutPlugin = measured[WITHOUT_PLUGIN]
// The figure of record: the median of each round's ratio. A round's two runs are back to back, so
// their ratio is little moved by the machine's speed drifting over minutes (seen here: the same run
// took 18 s, then 23 s a few minutes later), which a ratio of the two medians is not: one slow
// stretch that lands on one side's median moves it by 10%.
const pairRatios = withPlugin.wall.map((wall, i) => wall / withoutPlugin.wall[i])
const cpuPairRatios = withPlugin.cpu.map((cpu, i) => cpu / withoutPlugin.cpu[i])
const ratio = median(pairRatios)
console.log(`  after: ${machineLoad()}`)
console.log(
  `overhead: wall ratio of each round (with / without, back to back): ${pairRatios.map((r) => r.toFixed(3)).join(', ')}`,
)
console.log(
  `overhead: median wall-time ratio ${ratio.toFixed(3)} over ${runs} rounds (target ≤ ${TARGET}: ${verdict(ratio, TARGET)})`,
)
console.log(
  `overhead: median CPU-time ratio ${median(cpuPairRatios).toFixed(3)} (user + system time of every process of the run)`,
)
console.log(
  `overhead: for comparison, median wall with plugin ${seconds(median(withPlugin.wall))}, without ${seconds(median(withoutPlugin.wall))}: ratio of the medians ${(median(withPlugin.wall) / median(withoutPlugin.wall)).toFixed(3)}`,
)
