/** The reports of a run (terminal, GitHub, JUnit, JSON, HTML) and the merge of sharded runs. */
export {
  defaultReporters,
  REPORTER_NAMES,
  writeReports,
  type WriteReportsOptions,
  type WriteReportsResult,
} from './write-reports.js'
export {
  mergeReportDirs,
  mergeReports,
  type MergeDirsOptions,
  type MergeDirsResult,
  type MergeOptions,
} from './merge.js'
export { withoutVitestGithubActions } from './github.js'
export type { OutputStream, ReporterName } from './context.js'
