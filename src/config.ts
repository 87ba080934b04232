/**
 * The user's options → `resolveOptions()` → `ResolvedOptions`. Every check happens here, at config
 * time, so a malformed config fails before any test runs with one error naming the key.
 */
import { HealConfigError } from './errors.js'
import { booleanOption, rejectUnknownKeys } from './services/options.js'
import { resolveFlakyBudget } from './core/retry-policy.js'
import type { QuarantinePolicy } from './core/quarantine.js'
import type { Rule, VerdictKind } from './core/types.js'
import {
  PREDICTOR_KEYS,
  resolvePredictor,
  type PredictorOptions,
  type ResolvedPredictor,
} from './predict/predictor-options.js'
import {
  CHAOS_ENV,
  FaultSpecError,
  parseChaosEnv,
  resolveChaos,
  type ChaosOptions,
  type ResolvedChaos,
} from './core/chaos-plan.js'
import { isServiceDescriptor, type Service, type ServiceDescriptor } from './services/types.js'

import { defaultReporters, REPORTER_NAMES } from './reporters/write-reports.js'
import type { ReporterName } from './reporters/context.js'

export type { ReporterName }
const VERDICT_KINDS: readonly VerdictKind[] = ['infra', 'flaky', 'test-bug']

export interface HealOptions {
  /** The services the tests need, by name. The name becomes the tag `needs:<name>`. */
  services?: Record<string, ServiceDescriptor>
  /** Classification rules tried before the built-in catalogue; the first match wins. */
  rules?: Rule[]
  /** Retries of a test whose failure looks flaky (timing class). Default 2; at most 2 unless `allowMoreFlakyRetries`. */
  flakyRetries?: number
  /** Lets `flakyRetries` go above 2: more retries hide more real problems, so it must be asked for explicitly. */
  allowMoreFlakyRetries?: boolean
  /** Retries of a test after its service was recovered. Default 2. */
  infraRetries?: number
  /** When true, only tests tagged `heal` or `needs:*` (or claimed by a service's `tests` globs) are healed. Default false. */
  optIn?: boolean
  /** Where report.json and the other reports go, relative to the project root. Default `.vitest-heal`. */
  reportDir?: string
  /** Which reports to write. Default all but `github`, which is on when GITHUB_ACTIONS=true. */
  reporters?: ReporterName[]
  /** Exit 1 when a test passed only on a flaky retry. Default false. */
  failOnFlaky?: boolean
  /** Extra patterns to mask in every report (passwords in URLs are always masked). */
  redact?: (string | RegExp)[]
  /** Circuit breaker: a service recovered `maxRecoveries` times within `windowMs` that fails again is declared broken. */
  breaker?: { maxRecoveries?: number; windowMs?: number }
  /** Check (and start or recover) every service before the first test. Default true. */
  preflight?: boolean
  /** Serialise recoveries of the same service across vitest processes on this host. Default true. */
  hostLock?: boolean
  /** Live status lines while services are checked and healed. Default true. */
  status?: boolean
  /**
   * Where every run's failures and recoveries are recorded: `false` records nothing; `{ url }` a
   * shared PostgreSQL (`postgres://…`); default the embedded store in `<reportDir>/history/`
   * (`dir` moves it, and the local spool, relative to the project root).
   */
  history?: false | { url?: string; dir?: string }
  /**
   * Failures of tests the history knows as flaky (they failed and then passed with nothing down, in at
   * least `minFlakyRuns` runs and at a rate ≥ `minRate`) are reported, marked, and do not fail the run.
   * Never a test with no flaky history; `failOnFlaky` wins. Default false; `true` = `{ minRate: 0.1, minFlakyRuns: 2 }`.
   */
  quarantine?: boolean | { minRate?: number; minFlakyRuns?: number }
  /**
   * Journal every test's result as the run goes (`<reportDir>/journal/`), so that
   * `vitest-heal run --resume` can finish a run whose runner died. Default true.
   */
  journal?: boolean
  /**
   * Metric sampling while tests run (issue 14): every `interval` ms (default 1 000) each service's
   * health probe and metrics, and the host's, are sampled in the main process; an outage the
   * sampler sees is recovered at once. `false` turns sampling (and what builds on it) off.
   * The trends of those samples predict failures; one that stays probable (`threshold`, default 0.8,
   * within `window` ms, default 30 000, for `persist` ticks, default 3) is acted on first: `hold`
   * (default true) the tests that need the service, `relieve` (default false) run its reliefs,
   * `restart` (default false) an owned service whose memory runs out (predict/predictor-options.ts).
   */
  predict?: false | ({ interval?: number } & PredictorOptions)
  /**
   * Failure injection for a suite that always runs with faults (a nightly job): `faults` as
   * `db:kill@30%` texts or `{ service, kind, when, times?, …params }` objects (docs/chaos.md), `seed`
   * for `random` triggers (default: picked per run and shown in the scorecard), `expectHealed`: fail
   * the run when a fault was not healed (default false). Default none. `VITEST_HEAL_CHAOS` (set by
   * `vitest-heal chaos`) replaces it.
   */
  chaos?: ChaosOptions
}

/** `false`, or how often the sampler reads (ms) and what the predictor does (predict/predictor-options.ts). */
export type ResolvedPredict = false | ({ intervalMs: number } & ResolvedPredictor)

/** `false`, or where the history goes; `dir` is relative to the project root (default `<reportDir>/history`). */
export type ResolvedHistory = false | { url?: string; dir: string }

export interface ResolvedOptions {
  services: Service[]
  rules: Rule[]
  flakyRetries: number
  infraRetries: number
  optIn: boolean
  reportDir: string
  reporters: ReporterName[]
  failOnFlaky: boolean
  redact: RegExp[]
  breaker: { maxRecoveries: number; windowMs: number }
  preflight: boolean
  hostLock: boolean
  status: boolean
  history: ResolvedHistory
  quarantine: false | QuarantinePolicy
  journal: boolean
  predict: ResolvedPredict
  /** Absent when the run injects no faults. */
  chaos?: ResolvedChaos
}

const TOP_LEVEL_KEYS: readonly (keyof HealOptions)[] = [
  'services',
  'rules',
  'flakyRetries',
  'allowMoreFlakyRetries',
  'infraRetries',
  'optIn',
  'reportDir',
  'reporters',
  'failOnFlaky',
  'redact',
  'breaker',
  'preflight',
  'hostLock',
  'status',
  'history',
  'quarantine',
  'journal',
  'predict',
  'chaos',
]

/** Vitest tag names may not hold spaces or `!*&|()`; env var names are POSIX-ish. */
const SERVICE_NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/

export function resolveOptions(input: unknown, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  if (input === undefined) input = {}
  if (!isPlainObject(input)) throw new HealConfigError('heal()', 'an options object', input)
  const options = input as HealOptions
  rejectUnknownKeys('', input, TOP_LEVEL_KEYS)

  const allowMore = booleanOption('allowMoreFlakyRetries', options.allowMoreFlakyRetries, false)
  const flaky = resolveFlakyBudget(options.flakyRetries, allowMore)
  if (!flaky.ok) throw new HealConfigError('flakyRetries', flaky.expected, flaky.got)
  const flakyRetries = flaky.value
  const breaker = options.breaker ?? {}
  if (!isPlainObject(breaker)) throw new HealConfigError('breaker', 'an object', breaker)
  rejectUnknownKeys('breaker', breaker, ['maxRecoveries', 'windowMs'])

  const services = resolveServices(options.services)
  const reportDir = resolveReportDir(options.reportDir)
  return {
    services,
    rules: resolveRules(options.rules, services),
    flakyRetries,
    infraRetries: optionalCount(options.infraRetries, 'infraRetries', 2),
    optIn: booleanOption('optIn', options.optIn, false),
    reportDir,
    reporters: resolveReporters(options.reporters, env),
    failOnFlaky: booleanOption('failOnFlaky', options.failOnFlaky, false),
    redact: resolveRedact(options.redact),
    breaker: {
      maxRecoveries: optionalCount(breaker.maxRecoveries, 'breaker.maxRecoveries', 3, 1),
      windowMs: optionalCount(breaker.windowMs, 'breaker.windowMs', 5 * 60_000, 1),
    },
    preflight: booleanOption('preflight', options.preflight, true),
    hostLock: booleanOption('hostLock', options.hostLock, true),
    status: booleanOption('status', options.status, true),
    history: resolveHistory(options.history, reportDir),
    quarantine: resolveQuarantine(options.quarantine, options.history === false),
    journal: booleanOption('journal', options.journal, true),
    predict: resolvePredict(options.predict),
    ...resolveChaosOption(options.chaos, services, env),
  }
}

/** The env var (a chaos run's) replaces the option whole: the run does what the command line said. */
function resolveChaosOption(
  chaos: unknown,
  services: readonly Service[],
  env: NodeJS.ProcessEnv,
): { chaos?: ResolvedChaos } {
  const fromEnv = env[CHAOS_ENV]?.trim()
  try {
    const input = fromEnv ? parseChaosEnv(fromEnv) : chaos
    if (input === undefined) return {}
    const views = services.map((service) => ({
      name: service.name,
      owned: service.owned !== undefined,
      commands: Object.keys(service.chaos ?? {}),
      tcp: service.ref().host !== undefined,
    }))
    return { chaos: resolveChaos(input, views, fromEnv ? CHAOS_ENV : 'chaos') }
  } catch (error) {
    // src/core cannot throw our HealConfigError; every config error is one, so rethrow it as one.
    if (error instanceof FaultSpecError) throw new HealConfigError(error.key, error.expected, error.got)
    throw error
  }
}

function resolveQuarantine(quarantine: unknown, noHistory: boolean): false | QuarantinePolicy {
  if (quarantine === undefined || quarantine === false) return false
  if (noHistory)
    throw new HealConfigError(
      'quarantine',
      'off while history is false (it knows flaky tests only from the history)',
      quarantine,
    )
  const given = quarantine === true ? {} : quarantine
  if (!isPlainObject(given))
    throw new HealConfigError('quarantine', 'a boolean or an object { minRate?, minFlakyRuns? }', quarantine)
  rejectUnknownKeys('quarantine', given, ['minRate', 'minFlakyRuns'])
  const minRate = given.minRate ?? 0.1
  if (typeof minRate !== 'number' || !(minRate > 0 && minRate <= 1))
    throw new HealConfigError('quarantine.minRate', 'a rate above 0 and at most 1', minRate)
  return { minRate, minFlakyRuns: optionalCount(given.minFlakyRuns, 'quarantine.minFlakyRuns', 2, 1) }
}

/** Default sampling interval: the issue's 1 s, whose measured cost is in bench/sampler.mjs. */
export const DEFAULT_SAMPLE_INTERVAL_MS = 1_000
/** Below this the sampler's own probes would be a load on the services it watches. */
const MIN_SAMPLE_INTERVAL_MS = 100

function resolvePredict(predict: unknown): ResolvedPredict {
  if (predict === false) return false
  if (predict === undefined) return { intervalMs: DEFAULT_SAMPLE_INTERVAL_MS, ...resolvePredictor({}) }
  if (!isPlainObject(predict))
    throw new HealConfigError(
      'predict',
      'false or an object { interval?, threshold?, window?, persist?, hold?, relieve?, restart? }',
      predict,
    )
  rejectUnknownKeys('predict', predict, ['interval', ...PREDICTOR_KEYS])
  const interval = predict.interval ?? DEFAULT_SAMPLE_INTERVAL_MS
  if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < MIN_SAMPLE_INTERVAL_MS)
    throw new HealConfigError(
      'predict.interval',
      `a whole number of ms ≥ ${MIN_SAMPLE_INTERVAL_MS}`,
      interval,
    )
  return { intervalMs: interval, ...resolvePredictor(predict) }
}

function resolveHistory(history: unknown, reportDir: string): ResolvedHistory {
  if (history === false) return false
  const fallback = `${reportDir.replace(/[\\/]+$/, '')}/history`
  if (history === undefined) return { dir: fallback }
  if (!isPlainObject(history))
    throw new HealConfigError('history', 'false or an object { url?, dir? }', history)
  rejectUnknownKeys('history', history, ['url', 'dir'])
  const { url, dir } = history
  if (dir !== undefined && (typeof dir !== 'string' || dir.trim() === ''))
    throw new HealConfigError('history.dir', 'a directory path', dir)
  if (url !== undefined && (typeof url !== 'string' || !/^postgres(?:ql)?:\/\/./.test(url)))
    throw new HealConfigError('history.url', 'a PostgreSQL URL (postgres://…)', url)
  return url === undefined ? { dir: dir ?? fallback } : { url, dir: dir ?? fallback }
}

function resolveServices(services: unknown): Service[] {
  if (services === undefined) return []
  if (!isPlainObject(services))
    throw new HealConfigError('services', 'an object of { name: service }', services)
  const resolved: Service[] = []
  const seenNames = new Map<string, string>()
  const seenEnv = new Map<string, string>()
  for (const [name, descriptor] of Object.entries(services)) {
    const key = `services.${name}`
    if (!SERVICE_NAME.test(name)) {
      throw new HealConfigError(
        key,
        'a service name of letters, digits, "_", "-" or "." starting with a letter',
        name,
      )
    }
    // Names become tags (`needs:db`) and lock keys: two that differ only in case would collide.
    const folded = name.toLowerCase()
    const clash = seenNames.get(folded)
    if (clash !== undefined) throw new HealConfigError(key, `a service name distinct from "${clash}"`, name)
    seenNames.set(folded, name)
    if (!isServiceDescriptor(descriptor)) {
      throw new HealConfigError(
        key,
        'a service from postgres(), http(), tcp(), webdriver() or service()',
        descriptor,
      )
    }
    const service = descriptor.resolve({ name, key })
    if (service.env !== undefined) {
      const owner = seenEnv.get(service.env)
      if (owner !== undefined) {
        throw new HealConfigError(
          `${key}.env`,
          `a variable not already set by services.${owner}`,
          service.env,
        )
      }
      seenEnv.set(service.env, name)
    }
    resolved.push(service)
  }
  return resolved
}

function resolveRules(rules: unknown, services: readonly Service[]): Rule[] {
  if (rules === undefined) return []
  if (!Array.isArray(rules)) throw new HealConfigError('rules', 'an array of rules', rules)
  const ids = new Set<string>()
  return rules.map((rule, index) => {
    const key = `rules[${index}]`
    if (!isPlainObject(rule)) throw new HealConfigError(key, 'a rule object { id, kind, when }', rule)
    rejectUnknownKeys(key, rule, ['id', 'kind', 'service', 'when', 'category', 'ambiguous', 'precedence'])
    const { id, kind, service, when } = rule as Record<string, unknown>
    if (typeof id !== 'string' || id.trim() === '')
      throw new HealConfigError(`${key}.id`, 'a non-empty string', id)
    if (ids.has(id)) throw new HealConfigError(`${key}.id`, 'an id not used by another rule', id)
    ids.add(id)
    if (typeof kind !== 'string' || !VERDICT_KINDS.includes(kind as VerdictKind)) {
      throw new HealConfigError(
        `${key}.kind`,
        `one of ${VERDICT_KINDS.map((k) => `"${k}"`).join(', ')}`,
        kind,
      )
    }
    const { precedence } = rule as Record<string, unknown>
    if (precedence !== undefined && !['first', 'escalate', 'final'].includes(precedence as string)) {
      throw new HealConfigError(`${key}.precedence`, 'one of "first", "escalate", "final"', precedence)
    }
    if (service !== undefined && typeof service !== 'string') {
      throw new HealConfigError(`${key}.service`, 'a service name or kind', service)
    }
    // A rule whose service matches nothing would blame nobody, silently: say so before any test runs.
    if (service !== undefined && !services.some((s) => s.name === service || s.kind === service)) {
      const declared = services.map((s) => `${s.name} (${s.kind})`).join(', ')
      throw new HealConfigError(
        `${key}.service`,
        declared === ''
          ? 'no service (no services are declared)'
          : `the name or kind of a declared service: ${declared}`,
        service,
      )
    }
    if (!isPlainObject(when))
      throw new HealConfigError(`${key}.when`, 'an object { name?, code?, message? }', when)
    rejectUnknownKeys(`${key}.when`, when, ['name', 'code', 'message'])
    const matchers = Object.entries(when)
    if (matchers.length === 0)
      throw new HealConfigError(`${key}.when`, 'at least one of name, code, message', when)
    for (const [field, matcher] of matchers) {
      if (!(typeof matcher === 'string' && matcher !== '') && !(matcher instanceof RegExp)) {
        throw new HealConfigError(`${key}.when.${field}`, 'a non-empty string or a RegExp', matcher)
      }
    }
    return rule as unknown as Rule
  })
}

function resolveReportDir(dir: unknown): string {
  if (dir === undefined) return '.vitest-heal'
  if (typeof dir !== 'string' || dir.trim() === '')
    throw new HealConfigError('reportDir', 'a directory path', dir)
  return dir
}

function resolveReporters(reporters: unknown, env: NodeJS.ProcessEnv): ReporterName[] {
  if (reporters === undefined) return defaultReporters(env)
  if (!Array.isArray(reporters))
    throw new HealConfigError('reporters', `an array of ${REPORTER_NAMES.join(', ')}`, reporters)
  reporters.forEach((name, index) => {
    if (!REPORTER_NAMES.includes(name as ReporterName)) {
      throw new HealConfigError(`reporters[${index}]`, `one of ${REPORTER_NAMES.join(', ')}`, name)
    }
  })
  return [...new Set(reporters as ReporterName[])]
}

function resolveRedact(patterns: unknown): RegExp[] {
  if (patterns === undefined) return []
  if (!Array.isArray(patterns))
    throw new HealConfigError('redact', 'an array of strings or RegExps', patterns)
  return patterns.map((pattern, index) => {
    if (pattern instanceof RegExp) return pattern
    if (typeof pattern === 'string' && pattern !== '') return new RegExp(escapeRegExp(pattern), 'g')
    throw new HealConfigError(`redact[${index}]`, 'a non-empty string or a RegExp', pattern)
  })
}

function optionalCount(value: unknown, key: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new HealConfigError(key, min === 0 ? 'a whole number ≥ 0' : `a whole number ≥ ${min}`, value)
  }
  return value
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
