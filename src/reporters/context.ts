/**
 * What every renderer receives. A renderer formats the shared view and writes its one output;
 * it throws when it cannot, and `writeReports` keeps that from reaching the run or the others.
 */
import type { ReportView } from './view.js'

export type ReporterName = 'summary' | 'github' | 'json' | 'junit' | 'html'

/** The part of a stream the renderers use; `process.stdout` fits, and so does a test's buffer. */
export interface OutputStream {
  write(chunk: string): unknown
  isTTY?: boolean
}

export interface RenderContext {
  view: ReportView
  /** Absolute directory for file reports; created before any renderer runs. */
  reportDir: string
  stdout: OutputStream
  env: Readonly<Record<string, string | undefined>>
  /**
   * The reporters that have written their output so far in this call (they run in REPORTER_NAMES
   * order, files first): the terminal summary names index.html only when it really was written.
   */
  written?: readonly ReporterName[]
}

export type Renderer = (ctx: RenderContext) => void
