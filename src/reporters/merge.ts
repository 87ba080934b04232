/**
 * Merging the partial reports of a sharded run (`vitest --shard i/n` on several machines) into one
 * RunReport, written in every format. How each part merges is documented in docs/reports.md:
 * tests by testKey (project, file, full name and index among same-named tests; tries of a test
 * re-run in another shard are joined and its outcome recomputed by computeOutcome), recoveries,
 * health events and errors outside tests side by side with the shard they came from (each shard
 * healed its own services), the summary recomputed from the merged tests.
 */
import { readFileSync } from 'node:fs'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { computeOutcome, runOutcome, summarize } from '../core/outcome.js'
import { chaosFails, chaosScore } from '../core/scorecard.js'
import {
  testKey,
  type OutsideError,
  type RunReport,
  type TestReport,
  type TryRecord,
} from '../core/report.js'
import { HealConfigError } from '../errors.js'
import type { OutputStream, ReporterName } from './context.js'
import { JSON_FILE } from './json.js'
import { defaultReporters, writeReports, type WriteReportsResult } from './write-reports.js'

export interface MergeOptions {
  /** A label per report (its directory), kept on recoveries and health events and in `mergedFrom`. */
  sources?: readonly string[]
  /** A run whose only problem is flaky tests fails. Default false. */
  failOnFlaky?: boolean
}

function startOf(attempt: TryRecord): number {
  return attempt.startedAt ? Date.parse(attempt.startedAt) : Number.NaN
}

/**
 * Tries in the order they ran. Tries without a start time keep their shard order, which is the
 * order the directories were given in.
 */
function orderTries(tries: TryRecord[]): TryRecord[] {
  const timed = tries.every((t) => !Number.isNaN(startOf(t)))
  return timed ? [...tries].sort((a, b) => startOf(a) - startOf(b)) : tries
}

/** One test seen in several shards: only when the user re-ran it there. */
function mergeTest(copies: TestReport[]): TestReport {
  const ran = copies.filter((c) => c.outcome !== 'skipped')
  const base = ran[ran.length - 1] ?? (copies[copies.length - 1] as TestReport)
  if (copies.length === 1) return base
  const merged: TestReport = { ...base }
  const attachments = copies.flatMap((c) => c.attachments ?? [])
  if (attachments.length > 0) merged.attachments = attachments
  merged.durationMs = copies.reduce((sum, c) => sum + (c.durationMs ?? 0), 0)
  if (copies.every((c) => c.tries !== undefined)) {
    const tries = orderTries(copies.flatMap((c) => c.tries ?? []))
    return { ...merged, ...computeOutcome(tries), tries }
  }
  // Without per-try records the order of runs is unknown: the last shard that ran the test decides.
  merged.attempts = copies.reduce((sum, c) => sum + c.attempts, 0)
  return merged
}

function isoMin(values: (string | undefined)[]): string | undefined {
  const times = values.map((v) => (v ? Date.parse(v) : Number.NaN)).filter((t) => !Number.isNaN(t))
  return times.length > 0 ? new Date(Math.min(...times)).toISOString() : undefined
}

/** Wall time from the first shard's start to the last shard's end: shards run side by side. */
function span(reports: readonly RunReport[], startedAt: string | undefined): number | undefined {
  if (!startedAt) return undefined
  const ends = reports
    .filter((r) => r.startedAt && r.durationMs !== undefined)
    .map((r) => Date.parse(r.startedAt as string) + (r.durationMs as number))
  return ends.length > 0 ? Math.max(...ends) - Date.parse(startedAt) : undefined
}

function byTime<T>(items: T[], time: (item: T) => string): T[] {
  return items.sort((a, b) => Date.parse(time(a)) - Date.parse(time(b)))
}

/**
 * `errors` holds every error outside tests, the unhandled ones too; a report written before it
 * existed has only `unhandledErrors`.
 */
function unforgivenOf(report: RunReport): number {
  const errors = report.errors ?? report.unhandledErrors ?? []
  return errors.filter((e) => !e.forgiven).length
}

/** A shard that failed and whose faults would fail `--expect-healed` (it cannot say whether it was given). */
function failedByItsFaults(report: RunReport): boolean {
  const faults = report.faults ?? []
  return (
    report.outcome === 'failed' && faults.length > 0 && chaosFails(chaosScore(faults, report), faults, true)
  )
}

export function mergeReports(reports: readonly RunReport[], options: MergeOptions = {}): RunReport {
  const sources = reports.map((_, i) => options.sources?.[i] ?? `shard-${i + 1}`)
  const copies = new Map<string, TestReport[]>()
  for (const report of reports) {
    for (const test of report.tests) {
      const list = copies.get(testKey(test))
      if (list) list.push(test)
      else copies.set(testKey(test), [test])
    }
  }
  const tests = [...copies.values()].map(mergeTest)
  // A report that is itself a merge keeps the shard labels it already carries.
  const recoveries = byTime(
    reports.flatMap((r, i) => r.recoveries.map((rec) => ({ ...rec, source: rec.source ?? sources[i] }))),
    (r) => r.startedAt,
  )
  const timeline = byTime(
    reports.flatMap((r, i) => (r.timeline ?? []).map((e) => ({ ...e, source: e.source ?? sources[i] }))),
    (e) => e.at,
  )
  const unhandledErrors = reports.flatMap((r) => r.unhandledErrors ?? [])
  const errors = reports.flatMap((r, i) =>
    (r.errors ?? []).map((e): OutsideError => ({ ...e, source: e.source ?? sources[i] })),
  )
  const summary = summarize(tests)
  const startedAt = isoMin(reports.map((r) => r.startedAt))
  const merged: RunReport = {
    version: 1,
    outcome: runOutcome(summary, {
      failOnFlaky: options.failOnFlaky ?? false,
      unforgivenErrors: reports.reduce((sum, r) => sum + unforgivenOf(r), 0),
    }),
    summary,
    tests,
    recoveries,
    timeline,
    unhandledErrors,
    errors,
    mergedFrom: reports.flatMap((r, i) => r.mergedFrom ?? [sources[i] as string]),
  }
  if (startedAt) merged.startedAt = startedAt
  const durationMs = span(reports, startedAt)
  if (durationMs !== undefined) merged.durationMs = durationMs
  const vitestVersion = reports.find((r) => r.vitestVersion)?.vitestVersion
  if (vitestVersion) merged.vitestVersion = vitestVersion
  // Each shard injected its own faults and made its own predictions: side by side, with their shard.
  // `source` of a fault is its spec, so its shard goes in `shard`. A shard that --expect-healed
  // failed keeps the merged run failed: its summary alone does not say why it was red.
  if (reports.some(failedByItsFaults)) merged.outcome = 'failed'
  if (reports.some((r) => r.faults))
    merged.faults = reports.flatMap((r, i) =>
      (r.faults ?? []).map((f) => ({ ...f, shard: f.shard ?? sources[i] })),
    )
  if (reports.some((r) => r.predictions)) {
    merged.predictions = reports.flatMap((r, i) =>
      (r.predictions ?? []).map((p) => ({ ...p, source: p.source ?? sources[i] })),
    )
  }
  return merged
}

function readShard(dir: string, index: number): RunReport {
  const expected = `a directory holding a vitest-heal ${JSON_FILE} (version 1)`
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(join(dir, JSON_FILE), 'utf8'))
  } catch {
    throw new HealConfigError(`merge.dirs[${index}]`, expected, dir)
  }
  const report = parsed as Partial<RunReport> | null
  if (report?.version !== 1 || !Array.isArray(report.tests) || !Array.isArray(report.recoveries)) {
    throw new HealConfigError(`merge.dirs[${index}]`, expected, dir)
  }
  return report as RunReport
}

/** Attachment paths are relative to their shard's directory; the merged report lives elsewhere. */
function rebaseAttachments(report: RunReport, fromDir: string, toDir: string): RunReport {
  const rebase = (path: string): string =>
    isAbsolute(path) ? path : relative(toDir, join(fromDir, path)).split(sep).join('/')
  return {
    ...report,
    tests: report.tests.map((t) =>
      t.attachments ? { ...t, attachments: t.attachments.map((a) => ({ ...a, path: rebase(a.path) })) } : t,
    ),
  }
}

export interface MergeDirsOptions {
  /** Default: every reporter, GitHub's only inside GitHub Actions. */
  reporters?: readonly ReporterName[]
  redact?: readonly RegExp[]
  failOnFlaky?: boolean
  stdout?: OutputStream
  env?: Readonly<Record<string, string | undefined>>
  /** Relative directories are resolved against it; shard labels are relative to it. Default `process.cwd()`. */
  cwd?: string
}

export interface MergeDirsResult extends WriteReportsResult {
  report: RunReport
  /** 0 when the merged run passed, 1 otherwise: what `vitest-heal merge` exits with. */
  exitCode: 0 | 1
}

/** Reads `<dir>/report.json` of every shard, merges them and writes every format into `outDir`. */
export function mergeReportDirs(
  dirs: readonly string[],
  outDir: string,
  options: MergeDirsOptions = {},
): MergeDirsResult {
  const cwd = resolve(options.cwd ?? process.cwd())
  const out = resolve(cwd, outDir)
  const absolute = dirs.map((dir) => resolve(cwd, dir))
  const reports = absolute.map((dir, i) => rebaseAttachments(readShard(dir, i), dir, out))
  const sources = absolute.map((dir, i) => relative(cwd, dir) || (dirs[i] as string))
  const mergeOptions: MergeOptions = { sources }
  if (options.failOnFlaky !== undefined) mergeOptions.failOnFlaky = options.failOnFlaky
  const report = mergeReports(reports, mergeOptions)
  const env = options.env ?? process.env
  const written = writeReports(report, {
    reportDir: out,
    reporters: options.reporters ?? defaultReporters(env),
    redact: options.redact ?? [],
    stdout: options.stdout ?? process.stdout,
    env,
  })
  return { ...written, report, exitCode: report.outcome === 'passed' ? 0 : 1 }
}
