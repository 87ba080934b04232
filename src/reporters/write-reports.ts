/**
 * Writes every report of a run from one RunReport. The view is built once; each renderer then runs
 * on its own, and a renderer that throws costs one line of output, never the run or the others
 * (cf. Playwright's reporter multiplexer).
 */
import { resolve } from 'node:path'
import { redactSecrets } from '../core/redact.js'
import type { RunReport } from '../core/report.js'
import { HealConfigError } from '../errors.js'
import { gatherAttachments } from './attachments.js'
import type { OutputStream, Renderer, ReporterName } from './context.js'
import { makeDirectory } from './file-sink.js'
import { renderGithub } from './github.js'
import { renderHtml } from './html.js'
import { renderJson } from './json.js'
import { renderJunit } from './junit.js'
import { renderSummary } from './summary.js'
import { buildView } from './view.js'

/** In the order they run: files first, so the terminal summary is the last thing printed. */
export const REPORTER_NAMES: readonly ReporterName[] = ['json', 'junit', 'html', 'github', 'summary']

/** The reporters whose files name attachments; the terminal and GitHub ones do not. */
const FILE_REPORTERS: readonly ReporterName[] = ['json', 'junit', 'html']

const RENDERERS: Record<ReporterName, Renderer> = {
  json: renderJson,
  junit: renderJunit,
  html: renderHtml,
  github: renderGithub,
  summary: renderSummary,
}

export interface WriteReportsOptions {
  /** Where report.json, junit.xml and index.html go; created when missing. */
  reportDir: string
  reporters: readonly ReporterName[]
  /** Extra secret patterns; passwords in URLs and `password=` pairs are always redacted. */
  redact?: readonly RegExp[]
  /** Terminal output and GitHub annotations. Default `process.stdout`. */
  stdout?: OutputStream
  /** Read for NO_COLOR and GITHUB_STEP_SUMMARY. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
}

export interface WriteReportsResult {
  written: ReporterName[]
  failed: { reporter: ReporterName; error: string }[]
}

/** Every reporter, except GitHub's outside GitHub Actions (annotations are noise in a local terminal). */
export function defaultReporters(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ReporterName[] {
  return REPORTER_NAMES.filter((name) => name !== 'github' || env.GITHUB_ACTIONS === 'true')
}

function checkReporters(reporters: readonly unknown[]): ReporterName[] {
  return reporters.map((name, i) => {
    if (typeof name !== 'string' || !(REPORTER_NAMES as readonly string[]).includes(name)) {
      throw new HealConfigError(
        `reporters[${i}]`,
        `one of ${REPORTER_NAMES.map((n) => `'${n}'`).join(', ')}`,
        name,
      )
    }
    return name as ReporterName
  })
}

export function writeReports(report: RunReport, options: WriteReportsOptions): WriteReportsResult {
  const wanted = new Set(checkReporters(options.reporters))
  const stdout = options.stdout ?? process.stdout
  const env = options.env ?? process.env
  const redact = options.redact ?? []
  const reportDir = resolve(options.reportDir)
  const result: WriteReportsResult = { written: [], failed: [] }
  const fail = (reporter: ReporterName, error: unknown): void => {
    const message = redactSecrets(error instanceof Error ? error.message : String(error), redact)
    result.failed.push({ reporter, error: message })
    stdout.write(`vitest-heal: the ${reporter} report could not be written: ${message}\n`)
  }

  const writesFiles = FILE_REPORTERS.some((name) => wanted.has(name))
  /** Why the report directory could not be made: each file report then fails with it, the others still run. */
  let noDirectory: string | undefined
  if (writesFiles) {
    try {
      makeDirectory(reportDir)
    } catch (error) {
      noDirectory = `cannot create the report directory ${reportDir}: ${(error as Error).message ?? error}`
    }
  }
  let view
  try {
    view = buildView(
      writesFiles && noDirectory === undefined ? gatherAttachments(report, reportDir) : report,
      redact,
    )
  } catch (error) {
    for (const name of wanted) fail(name, error)
    return result
  }
  for (const name of REPORTER_NAMES) {
    if (!wanted.has(name)) continue
    if (noDirectory !== undefined && FILE_REPORTERS.includes(name)) {
      fail(name, noDirectory)
      continue
    }
    try {
      RENDERERS[name]({ view, reportDir, stdout, env, written: result.written })
      result.written.push(name)
    } catch (error) {
      fail(name, error)
    }
  }
  return result
}
