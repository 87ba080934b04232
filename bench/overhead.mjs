/**
 * bench/overhead (issue 2): a generated suite of 2,000 passing tests in 100 files, run with and
 * without the plugin (its one service healthy), alternating in ABBA order so drift (a warming disk
 * cache, load from other work) falls on both sides alike. Prints the median wall time of each and
 * their ratio (target ≤ 1.02). A figure, not a gate: the machine's load moves it.
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
const ratio = median(withPlugin.wall) / median(withoutPlugin.wall)
const cpuRatio = median(withPlugin.cpu) / median(withoutPlugin.cpu)
console.log(`  after: ${machineLoad()}`)
console.log(
  `overhead: median with plugin ${seconds(median(withPlugin.wall))}, without ${seconds(median(withoutPlugin.wall))}, ratio ${ratio.toFixed(3)} (target ≤ ${TARGET}: ${verdict(ratio, TARGET)})`,
)
console.log(
  `overhead: median CPU time with plugin ${seconds(median(withPlugin.cpu))}, without ${seconds(median(withoutPlugin.cpu))}, ratio ${cpuRatio.toFixed(3)} (less moved by the machine's load than wall time)`,
)
