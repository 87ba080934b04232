/**
 * bench/overhead-instructions: the same suite and the same two configs as bench/overhead, counted in
 * instructions instead of seconds. Each run goes under valgrind's callgrind with every child process
 * traced (Vitest's main process and one worker per test file), and the counts are split by process.
 *
 * Why: on a shared 2-core machine the wall time of one run drifts by 20% within minutes, which is ten
 * times the 2% bench/overhead looks for; instruction counts repeat within ~0.5% whatever else the
 * machine does, so they tell where the plugin's work is and whether a change made it smaller. They
 * do not count waiting, the kernel's work or cache misses: the wall-time ratio stays the figure of
 * record, this one explains it.
 *
 *   npm run build && node bench/overhead-instructions.mjs      # 10 files × 20 tests, ~6 minutes
 *   node bench/overhead-instructions.mjs --files=20
 *
 * Needs valgrind (Debian's valgrind package); callgrind makes each run ~25 times slower.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PACKAGE_ROOT } from './lib/dist.mjs'
import { generateOverheadSuite, WITH_PLUGIN, WITHOUT_PLUGIN } from './lib/overhead-suite.mjs'
import { countFlag, flags, median } from './lib/stats.mjs'

const options = flags()
const files = countFlag(options, 'files', 10)
const testsPerFile = countFlag(options, 'tests-per-file', 20)
const VITEST = join(PACKAGE_ROOT, 'node_modules', 'vitest', 'vitest.mjs')

if (spawnSync('valgrind', ['--version']).error) {
  console.error('overhead-instructions: valgrind is not installed (apt-get install valgrind)')
  process.exit(1)
}

const dir = await generateOverheadSuite({ files, testsPerFile, name: 'overhead-instructions' })
console.log(`overhead-instructions: ${files * testsPerFile} passing tests in ${files} files, under callgrind`)

/** Runs the suite once under callgrind; returns the instruction count of every traced process. */
async function countRun(config) {
  const out = mkdtempSync(join(tmpdir(), 'vitest-heal-callgrind-'))
  const code = await new Promise((resolve, reject) => {
    const child = spawn(
      'valgrind',
      [
        '--tool=callgrind',
        '--trace-children=yes',
        // V8 generates and patches machine code: without this, valgrind may run stale translations.
        '--smc-check=all-non-file',
        `--callgrind-out-file=${join(out, 'callgrind.%p.out')}`,
        process.execPath,
        VITEST,
        'run',
        '--config',
        config,
      ],
      {
        cwd: dir,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', GITHUB_ACTIONS: '', CI: 'true' },
        stdio: 'ignore',
      },
    )
    child.on('error', reject)
    child.on('close', resolve)
  })
  if (code !== 0) throw new Error(`${config}: vitest exited with ${code} under callgrind`)
  const processes = readdirSync(out).map((file) => {
    const text = readFileSync(join(out, file), 'utf8')
    const command = /^cmd:\s+(.*)$/m.exec(text)?.[1] ?? ''
    const instructions = Number(/^(?:summary|totals):\s+(\d+)/m.exec(text)?.[1] ?? NaN)
    const role = command.includes('vitest.mjs') ? 'main' : command.includes('forks.js') ? 'worker' : 'other'
    return { role, instructions }
  })
  rmSync(out, { recursive: true, force: true })
  const sum = (role) => processes.filter((p) => p.role === role).reduce((a, p) => a + p.instructions, 0)
  const workers = processes.filter((p) => p.role === 'worker').map((p) => p.instructions)
  if (workers.length !== files) throw new Error(`${config}: ${workers.length} workers traced, want ${files}`)
  return { main: sum('main'), workers: sum('worker'), other: sum('other'), perWorker: median(workers) }
}

const giga = (n) => `${(n / 1e9).toFixed(3)} G`
const results = {}
for (const config of [WITHOUT_PLUGIN, WITH_PLUGIN]) {
  const r = await countRun(config)
  results[config] = r
  const label = config === WITH_PLUGIN ? 'with plugin   ' : 'without plugin'
  console.log(
    `  ${label} main ${giga(r.main)}, workers ${giga(r.workers)} (median ${giga(r.perWorker)} each), other ${giga(r.other)}`,
  )
}
const a = results[WITH_PLUGIN]
const b = results[WITHOUT_PLUGIN]
const total = (r) => r.main + r.workers + r.other
console.log(
  `overhead-instructions: total ratio ${(total(a) / total(b)).toFixed(3)} at ${files} files; ` +
    `per test file's worker ${(a.perWorker / b.perWorker).toFixed(4)} (+${((a.perWorker - b.perWorker) / 1e6).toFixed(1)} M); ` +
    `main process +${((a.main - b.main) / 1e6).toFixed(0)} M (${(a.main / b.main).toFixed(3)})`,
)
