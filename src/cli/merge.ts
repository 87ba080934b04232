/**
 * `vitest-heal merge <dirs…> [--out <dir>] [--config <file>]`: the partial reports of a sharded run
 * (`vitest --shard i/n`, one report directory per machine) merged and written in every format.
 * The reporter options (`reporters`, `redact`, `failOnFlaky`, `reportDir`) come from the heal()
 * plugin of the project's vitest config, so the merged reports look like an unsharded run's.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { ResolvedOptions } from '../config.js'
import { redactSecrets } from '../core/redact.js'
import { HealConfigError } from '../errors.js'
import { mergeReportDirs, type MergeDirsOptions, type OutputStream } from '../reporters/index.js'
import { loadHealConfig } from './load-config.js'

export interface MergeCommandOptions {
  dirs: readonly string[]
  /** Where the merged reports go. Default: the plugin's `reportDir`, else `.vitest-heal`. */
  out?: string
  /** A vitest config to read the reporter options from. Default: the one Vitest finds in `cwd`. */
  config?: string
  cwd?: string
  stdout: OutputStream
  env?: Readonly<Record<string, string | undefined>>
}

interface ReporterOptions extends Pick<ResolvedOptions, 'reporters' | 'redact' | 'failOnFlaky'> {
  /** The plugin's `reportDir`, resolved against the project root the way a run resolves it. */
  reportDir: string
}

const DEFAULT_REPORT_DIR = '.vitest-heal'

/** The names Vitest looks for when no `--config` is given (vitest.config.* before vite.config.*). */
const CONFIG_NAMES = ['vitest.config', 'vite.config'].flatMap((stem) =>
  ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs'].map((ext) => `${stem}.${ext}`),
)

function findConfig(cwd: string): string | undefined {
  return CONFIG_NAMES.map((name) => join(cwd, name)).find((file) => existsSync(file))
}

/**
 * The first heal() plugin's reporter options. Loading a config starts no service and runs no test;
 * each session's control channel is closed again at once.
 */
async function reporterOptions(
  config: string | undefined,
  cwd: string,
): Promise<ReporterOptions | undefined> {
  const file = config === undefined ? findConfig(cwd) : resolve(cwd, config)
  if (file === undefined) return undefined
  if (!existsSync(file)) throw new HealConfigError('merge --config', 'an existing vitest config file', config)
  const { vitest, projects } = await loadHealConfig({ root: cwd, config: file })
  try {
    const options = projects[0]?.session.options
    if (!options) return undefined
    return { ...options, reportDir: resolve(vitest.config.root, options.reportDir) }
  } finally {
    for (const { session } of projects) await session.teardown()
    await vitest.close()
  }
}

/** Merges, writes every report and returns the exit code of the merged run (0 only when it passed). */
export async function mergeCommand(options: MergeCommandOptions): Promise<number> {
  const cwd = resolve(options.cwd ?? process.cwd())
  if (options.dirs.length === 0) {
    throw new HealConfigError('merge.dirs', 'one or more report directories', undefined)
  }
  const fromConfig = await reporterOptions(options.config, cwd).catch((error: unknown) => {
    // A config found (not named) may need what only the test jobs have: `postgres({ url:
    // process.env.DATABASE_URL })` throws in a merge job without that variable. The reports still merge.
    if (options.config !== undefined) throw error
    const reason = redactSecrets(error instanceof Error ? error.message : String(error))
    options.stdout.write(
      `vitest-heal merge: the vitest config here could not be loaded (${reason}); default report options used (--config names another)\n`,
    )
    return undefined
  })
  const out = resolve(cwd, options.out ?? fromConfig?.reportDir ?? DEFAULT_REPORT_DIR)
  const mergeOptions: MergeDirsOptions = { stdout: options.stdout, cwd }
  if (options.env) mergeOptions.env = options.env
  if (fromConfig) {
    mergeOptions.reporters = fromConfig.reporters
    mergeOptions.redact = fromConfig.redact
    mergeOptions.failOnFlaky = fromConfig.failOnFlaky
  }
  const result = mergeReportDirs(options.dirs, out, mergeOptions)
  const shards = result.report.mergedFrom?.length ?? options.dirs.length
  options.stdout.write(
    redactSecrets(
      `vitest-heal merge: ${shards} report(s), ${result.report.summary.total} tests → ${out} (${result.written.join(', ')})\n`,
      mergeOptions.redact,
    ),
  )
  // A report that could not be written has said so; the exit code stays the merged run's, as in a run.
  return result.exitCode
}
