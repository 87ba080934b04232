/**
 * `vitest-heal stats [--json]`: what the history knows, from either store — the success rate of each
 * recovery strategy per pattern, flaky tests with their rates, recent outages and the slowest
 * recoveries. The spool is ingested first, so the answer includes the runs not stored yet.
 */
import { resolve } from 'node:path'
import type { ResolvedHistory } from '../config.js'
import { redactSecrets } from '../core/redact.js'
import { HealConfigError } from '../errors.js'
import { flushSpool, withHistoryStore, type HistoryTarget } from '../history/record.js'
import { readStats, type HistoryStats } from '../history/stats.js'
import { loadHealConfig } from './load-config.js'
import { renderTable } from './table.js'

export interface StatsCommandOptions {
  json: boolean
  /** A shared store; default the heal() plugin's `history.url`, else the embedded store. */
  url?: string
  /** The history directory (spool, embedded store); default the plugin's, else `.vitest-heal/history`. */
  dir?: string
  config?: string
  root?: string
  limit?: number
  cwd?: string
  stdout: Pick<NodeJS.WritableStream, 'write'>
}

const DEFAULT_DIR = '.vitest-heal/history'

/** The plugin's history option, when a config is there to read (loading it starts no service). */
async function configuredHistory(
  options: StatsCommandOptions,
  cwd: string,
): Promise<ResolvedHistory | undefined> {
  const loaded = await loadHealConfig({ root: options.root ?? cwd, config: options.config }).catch(
    (error: unknown) => {
      if (options.config !== undefined) throw error
      return undefined
    },
  )
  if (!loaded) return undefined
  try {
    const history = loaded.projects[0]?.session.options.history
    if (history === undefined || history === false) return history
    return { ...history, dir: resolve(loaded.vitest.config.root, history.dir) }
  } finally {
    for (const { session } of loaded.projects) await session.teardown()
    await loaded.vitest.close()
  }
}

export async function statsCommand(options: StatsCommandOptions): Promise<number> {
  const cwd = resolve(options.cwd ?? process.cwd())
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1))
    throw new HealConfigError('stats --limit', 'a whole number ≥ 1', options.limit)
  let target: HistoryTarget
  if (options.url !== undefined || options.dir !== undefined) {
    target = { dir: resolve(cwd, options.dir ?? DEFAULT_DIR) }
    if (options.url !== undefined) target.url = options.url
  } else {
    const history = await configuredHistory(options, cwd)
    if (history === false) {
      options.stdout.write('vitest-heal stats: history is off in this config (history: false)\n')
      return 1
    }
    target = history ?? { dir: resolve(cwd, DEFAULT_DIR) }
  }
  const stats = await withHistoryStore(target, async (sql) => {
    await flushSpool(target, sql)
    return readStats(sql, options.limit)
  })
  options.stdout.write(options.json ? `${JSON.stringify(stats, null, 2)}\n` : renderStats(stats, target))
  return 0
}

const percent = (rate: number) => `${(rate * 100).toFixed(0)}%`

export function renderStats(stats: HistoryStats, target: HistoryTarget): string {
  const where = target.url === undefined ? `embedded store in ${target.dir}` : redactSecrets(target.url)
  const parts = [
    `vitest-heal stats: ${stats.runs} run(s), ${stats.events.failures} failure(s), ${stats.events.recoveries} recovery attempt(s) — ${where}\n`,
    '\nRecovery success rates\n',
    stats.successRates.length === 0
      ? '  none recorded\n'
      : renderTable(
          ['pattern', 'strategy', 'rate', 'attempts'],
          stats.successRates.map((r) => [r.pattern, r.strategy, percent(r.rate), String(r.attempts)]),
        ),
    '\nFlaky tests\n',
    stats.flakyTests.length === 0
      ? '  none recorded\n'
      : renderTable(
          ['test', 'rate', 'flaky runs', 'runs'],
          stats.flakyTests.map((t) => [
            t.testKey.replace(/^::/, ''),
            percent(t.rate),
            String(t.flakyRuns),
            String(t.runs),
          ]),
        ),
    '\nRecent outages\n',
    stats.recentOutages.length === 0
      ? '  none recorded\n'
      : renderTable(
          ['when', 'service', 'recovered', 'attempts', 'ms', 'strategies'],
          stats.recentOutages.map((o) => [
            o.at,
            o.service,
            o.recovered ? 'yes' : 'no',
            String(o.attempts),
            String(o.durationMs),
            o.strategies,
          ]),
        ),
    '\nSlowest recoveries\n',
    stats.slowestRecoveries.length === 0
      ? '  none recorded\n'
      : renderTable(
          ['ms', 'service', 'strategy', 'pattern', 'ok', 'when'],
          stats.slowestRecoveries.map((r) => [
            String(r.durationMs),
            r.service,
            r.strategy,
            r.pattern,
            r.ok ? 'yes' : 'no',
            r.at,
          ]),
        ),
  ]
  return parts.join('')
}
