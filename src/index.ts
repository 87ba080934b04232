/**
 * vitest-heal: the public API. Every export is named here; nothing is re-exported with `*` so the
 * surface stays deliberate.
 */
export { heal, type HealPluginApi } from './vitest/plugin.js'
export { resolveOptions, type HealOptions, type ResolvedOptions, type ReporterName } from './config.js'
export { HealError, HealConfigError, type HealErrorCode } from './errors.js'
export { redactSecrets } from './core/redact.js'
export type {
  ErrorLike,
  HealthProbe,
  RecoveryRecord,
  RecoveryTrigger,
  Rule,
  RulePrecedence,
  ServiceRef,
  TextMatcher,
  Verdict,
  VerdictKind,
} from './core/types.js'
export type {
  RunReport,
  TestReport,
  RecoveryReport,
  ReportSummary,
  TestOutcome,
  FailureCause,
  TryRecord,
  HealthEvent,
} from './core/report.js'
export type {
  Service,
  ServiceDescriptor,
  Recovery,
  RecoveryDescriptor,
  RecoveryContext,
  CommonServiceOptions,
  OwnedLifecycle,
} from './services/types.js'
export {
  postgres,
  http,
  tcp,
  webdriver,
  service,
  command,
  compose,
  recover,
  pgCtl,
  type PgCtlOptions,
  pgTerminateIdle,
  type PgTerminateIdleOptions,
  type PostgresServiceOptions,
  type LocalPostgresOptions,
  type HttpServiceOptions,
  type TcpServiceOptions,
  type WebDriverServiceOptions,
  type CustomServiceOptions,
  type StartOptions,
  type CommandOptions,
  type ComposeOptions,
  type RecoverOptions,
} from './services/index.js'
export { classify, type Failure as ClassifyFailure, type ClassifyOptions } from './core/classify.js'
export { confirmVerdict, isAmbiguousRule, type ConfirmedVerdict, type ProbedHealth } from './core/confirm.js'
export { BUILTIN_RULES } from './core/rules.js'
export {
  computeOutcome,
  summarize,
  runOutcome,
  type ComputedOutcome,
  type RunOutcomeOptions,
} from './core/outcome.js'
export { summaryLine } from './core/summary-line.js'
export { DEFAULT_BREAKER_POLICY, type BreakerPolicy } from './core/breaker.js'
export {
  writeReports,
  mergeReports,
  mergeReportDirs,
  type WriteReportsOptions,
  type MergeDirsOptions,
} from './reporters/index.js'
/** The tags vitest-heal declares: `heal`, `heal:off` and `needs:<service>` for each service name. */
export type HealTag<ServiceName extends string = string> = 'heal' | 'heal:off' | `needs:${ServiceName}`
