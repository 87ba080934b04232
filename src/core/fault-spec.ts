/**
 * Fault specs as users write them: `db:kill@30%` on the command line (`--fault`), or strings and
 * objects in heal()'s `chaos.faults`. Parsed and checked here, before any test runs, with errors
 * that name the spec and what is wrong in it. Pure: services are seen through a small view that
 * config.ts builds, so the same checks serve the CLI and the option.
 *
 * Syntax: `service:kind[=value][,param=value…]@when[*times]` — see docs/chaos.md.
 */
import type { FaultKind, FaultSpec, FaultTrigger, NetworkFaultKind, ProcessFaultKind } from './fault.js'

export const PROCESS_FAULT_KINDS: readonly ProcessFaultKind[] = ['kill', 'stop', 'restart', 'pause']
export const NETWORK_FAULT_KINDS: readonly NetworkFaultKind[] = [
  'latency',
  'reset',
  'down',
  'timeout',
  'bandwidth',
  'slice',
]
export const FAULT_KINDS: readonly FaultKind[] = [...PROCESS_FAULT_KINDS, ...NETWORK_FAULT_KINDS]

type ParamName = keyof FaultSpec['params']

/** A parameter: its name in the text form, its FaultSpec name, and how its value is written. */
interface ParamDef {
  text: string
  param: ParamName
  unit: 'duration' | 'rate' | 'bytes'
  /** Zero is a meaningful value (no jitter), or not (a pause of 0 ms is no fault). */
  zero: boolean
}

const PARAMS: readonly ParamDef[] = [
  { text: 'latency', param: 'latency', unit: 'duration', zero: true },
  { text: 'jitter', param: 'jitter', unit: 'duration', zero: true },
  { text: 'duration', param: 'durationMs', unit: 'duration', zero: false },
  { text: 'rate', param: 'rate', unit: 'rate', zero: false },
  { text: 'size', param: 'averageSize', unit: 'bytes', zero: false },
  { text: 'delay', param: 'delayMs', unit: 'duration', zero: true },
]

/** Per kind: the parameter `kind=value` sets, every parameter it takes, and the one it cannot do without. */
const KIND_PARAMS: Record<FaultKind, { value?: ParamName; takes: readonly ParamName[]; needs?: ParamName }> =
  {
    kill: { takes: [] },
    stop: { takes: [] },
    restart: { takes: [] },
    pause: { value: 'durationMs', takes: ['durationMs'] },
    latency: { value: 'latency', takes: ['latency', 'jitter', 'durationMs'], needs: 'latency' },
    reset: { value: 'durationMs', takes: ['durationMs'] },
    down: { value: 'durationMs', takes: ['durationMs'] },
    timeout: { value: 'durationMs', takes: ['durationMs'] },
    bandwidth: { value: 'rate', takes: ['rate', 'durationMs'], needs: 'rate' },
    slice: { value: 'averageSize', takes: ['averageSize', 'delayMs', 'durationMs'] },
  }

/** Same rule as config.ts's service names: a spec can only name a service that can exist. */
const SERVICE_NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/
const TRIGGER_FORMS = '30%, after:12, test:/name/, during:/name/ or random'

/**
 * A malformed fault spec or `chaos` option. Shaped like HealConfigError (a TypeError with code
 * E_CONFIG, the full key, the same message) because src/core may not import src/errors.ts;
 * config.ts rethrows it as a HealConfigError.
 */
export class FaultSpecError extends TypeError {
  readonly code = 'E_CONFIG' as const
  constructor(
    readonly key: string,
    readonly expected: string,
    readonly got: unknown,
  ) {
    super(`vitest-heal: ${key}: expected ${expected}, got ${shown(got)}`)
    this.name = 'FaultSpecError'
  }
}

/** Parses one spec written as text; `key` says where it came from (`--fault`, `chaos.faults[0]`). */
export function parseFault(text: string, key = 'fault'): FaultSpec {
  const where = ` in "${text}"`
  const fail = (expected: string, got: unknown): never => {
    throw new FaultSpecError(key, `${expected}${where}`, got)
  }
  if (typeof text !== 'string') throw new FaultSpecError(key, 'a fault spec such as "db:kill@30%"', text)
  const at = text.indexOf('@')
  if (at < 0) fail(`a trigger after "@" (${TRIGGER_FORMS})`, text)
  const head = text.slice(0, at).trim()
  const colon = head.indexOf(':')
  if (colon < 0) fail('"service:kind" before "@"', head)
  const service = head.slice(0, colon)
  if (!SERVICE_NAME.test(service)) fail('a service name', service)
  const [first = '', ...rest] = head.slice(colon + 1).split(',')
  const [kindText = '', valueText] = splitOnce(first, '=')
  if (!FAULT_KINDS.includes(kindText as FaultKind)) fail(`a fault kind (${FAULT_KINDS.join(', ')})`, kindText)
  const kind = kindText as FaultKind
  const allowed = KIND_PARAMS[kind]
  const params: FaultSpec['params'] = {}
  if (valueText !== undefined) {
    if (allowed.value === undefined) fail(`no "=value" after ${kind}`, first)
    params[allowed.value as ParamName] = parseValue(defOf(allowed.value as ParamName), valueText, fail)
  }
  for (const item of rest) {
    const [name = '', value] = splitOnce(item, '=')
    const def = PARAMS.find((candidate) => candidate.text === name)
    if (def === undefined || !allowed.takes.includes(def.param) || value === undefined) {
      fail(`a parameter ${kind} takes (${textNames(kind) || 'none'}) as name=value`, item)
    }
    const param = (def as ParamDef).param
    if (params[param] !== undefined) fail(`${name} given once`, item)
    params[param] = parseValue(def as ParamDef, value as string, fail)
  }
  if (allowed.needs !== undefined && params[allowed.needs] === undefined)
    fail(`a value for ${kind}, as in ${kind}=${example(defOf(allowed.needs))}`, first)
  const { trigger, times } = parseWhen(text.slice(at + 1).trim(), fail)
  return { service, kind, params, when: trigger, times, source: text }
}

/** The text form of a spec; `parseFault(formatFault(spec))` gives the spec back. */
export function formatFault(spec: Omit<FaultSpec, 'source'>): string {
  const { value, takes } = KIND_PARAMS[spec.kind]
  let text = `${spec.service}:${spec.kind}`
  if (value !== undefined && spec.params[value] !== undefined)
    text += `=${formatValue(defOf(value), spec.params[value])}`
  for (const param of takes) {
    const given = spec.params[param]
    if (param === value || given === undefined) continue
    const def = defOf(param)
    text += `,${def.text}=${formatValue(def, given)}`
  }
  return `${text}@${formatTrigger(spec.when)}${spec.times > 1 ? `*${spec.times}` : ''}`
}

export function formatTrigger(when: FaultTrigger): string {
  if ('percent' in when) return `${when.percent}%`
  if ('afterTests' in when) return `after:${when.afterTests}`
  if ('test' in when) return `test:/${when.test.source}/${when.test.flags}`
  if ('during' in when) return `during:/${when.during.source}/${when.during.flags}`
  return 'random'
}

/** How a service looks to the checks: what can be done to it. */
export interface ChaosServiceView {
  name: string
  /** vitest-heal runs its process: process faults act on that process. */
  owned: boolean
  /** The user's `chaos` commands of an external service (`kill`, `stop`, `restart`, `pause`, `resume`). */
  commands: readonly string[]
  /** It has a host (and a port once running) for a fault proxy to stand in front of. */
  tcp: boolean
}

/** heal()'s `chaos` option as written. */
export interface ChaosOptions {
  /** Faults as text (`db:kill@30%`) or objects (`{ service, kind, when, times?, …params }`). */
  faults: (string | FaultObject)[]
  /** Seed of the schedule of `random` triggers. Default: one picked per run and shown in the scorecard. */
  seed?: number
  /** Fail the run when an injected fault was not healed. Default false. */
  expectHealed?: boolean
}

/** The object form of a fault: FaultSpec's fields with its params spread at the top level. */
export type FaultObject = {
  service: string
  kind: FaultKind
  /** A trigger object, or its text form (`30%`, `after:12`, `test:/checkout/`, `random`). */
  when: FaultTrigger | string
  /** Default 1. */
  times?: number
} & FaultSpec['params']

export interface ResolvedChaos {
  faults: FaultSpec[]
  /** Absent: the injector picks one per run and reports it, so the run can be repeated. */
  seed?: number
  expectHealed: boolean
}

/** Checks the `chaos` option (or the env var's value, with its name as `key`) against the services. */
export function resolveChaos(
  input: unknown,
  services: readonly ChaosServiceView[],
  key = 'chaos',
): ResolvedChaos {
  if (!isPlainObject(input))
    throw new FaultSpecError(key, 'an object { faults, seed?, expectHealed? }', input)
  for (const name of Object.keys(input)) {
    if (!['faults', 'seed', 'expectHealed'].includes(name))
      throw new FaultSpecError(`${key}.${name}`, 'a known option (faults, seed, expectHealed)', input[name])
  }
  const { faults, seed, expectHealed } = input
  if (!Array.isArray(faults))
    throw new FaultSpecError(`${key}.faults`, 'an array of fault specs ("db:kill@30%" or objects)', faults)
  if (seed !== undefined && !Number.isSafeInteger(seed))
    throw new FaultSpecError(`${key}.seed`, 'a whole number', seed)
  if (expectHealed !== undefined && typeof expectHealed !== 'boolean')
    throw new FaultSpecError(`${key}.expectHealed`, 'true or false', expectHealed)
  const specs = faults.map((fault, index) => {
    const itemKey = `${key}.faults[${index}]`
    const spec = typeof fault === 'string' ? parseFault(fault, itemKey) : faultFromObject(fault, itemKey)
    checkAgainstServices(spec, services, itemKey)
    return spec
  })
  return {
    faults: specs,
    ...(seed === undefined ? {} : { seed: seed as number }),
    expectHealed: expectHealed ?? false,
  }
}

/** The env var T3's `vitest-heal chaos` sets for the run it starts; it overrides heal()'s `chaos`. */
export const CHAOS_ENV = 'VITEST_HEAL_CHAOS'

/**
 * The env var's value as a `chaos` option (still to be checked by resolveChaos): JSON of the option
 * (`{"faults":["db:kill@30%"],"seed":42}`), or the compact form — items separated by `;` or new
 * lines: fault specs, `seed=42`, `expectHealed` — which cannot hold a regex with `;` in it.
 */
export function parseChaosEnv(text: string, key = CHAOS_ENV): unknown {
  const trimmed = text.trim()
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed) as unknown
    } catch (error) {
      throw new FaultSpecError(key, `JSON of the chaos option (${(error as Error).message})`, trimmed)
    }
  }
  const faults: string[] = []
  const option: Record<string, unknown> = { faults }
  for (const item of trimmed.split(/[;\n]/).map((part) => part.trim())) {
    if (item === '') continue
    const seed = /^seed=(.*)$/.exec(item)
    if (seed) option.seed = /^-?\d+$/.test(seed[1] as string) ? Number(seed[1]) : seed[1]
    else if (item === 'expectHealed' || item === 'expect-healed') option.expectHealed = true
    else faults.push(item)
  }
  return option
}

function faultFromObject(value: unknown, key: string): FaultSpec {
  if (!isPlainObject(value))
    throw new FaultSpecError(
      key,
      'a fault spec: text such as "db:kill@30%" or { service, kind, when }',
      value,
    )
  const { service, kind, when, times } = value
  if (typeof service !== 'string' || !SERVICE_NAME.test(service))
    throw new FaultSpecError(`${key}.service`, 'a service name', service)
  if (!FAULT_KINDS.includes(kind as FaultKind))
    throw new FaultSpecError(`${key}.kind`, `a fault kind (${FAULT_KINDS.join(', ')})`, kind)
  const allowed = KIND_PARAMS[kind as FaultKind]
  const known = ['service', 'kind', 'when', 'times', ...allowed.takes]
  const params: FaultSpec['params'] = {}
  for (const [name, given] of Object.entries(value)) {
    if (!known.includes(name))
      throw new FaultSpecError(`${key}.${name}`, `a key a ${kind} fault takes (${known.join(', ')})`, given)
    const def = PARAMS.find((candidate) => candidate.param === name)
    if (def === undefined) continue
    if (!validNumber(def, given)) throw new FaultSpecError(`${key}.${name}`, numberExpected(def), given)
    params[def.param] = given as number
  }
  if (allowed.needs !== undefined && params[allowed.needs] === undefined)
    throw new FaultSpecError(`${key}.${allowed.needs}`, numberExpected(defOf(allowed.needs)), undefined)
  if (times !== undefined && !(Number.isInteger(times) && (times as number) >= 1))
    throw new FaultSpecError(`${key}.times`, 'a whole number ≥ 1', times)
  const trigger = triggerFromValue(when, `${key}.when`)
  const spec = { service, kind: kind as FaultKind, params, when: trigger, times: (times as number) ?? 1 }
  return { ...spec, source: formatFault(spec) }
}

function triggerFromValue(when: unknown, key: string): FaultTrigger {
  if (typeof when === 'string') {
    return parseWhen(when, (expected, got) => {
      throw new FaultSpecError(key, expected, got)
    }).trigger
  }
  const expected = `a trigger: { afterTests }, { percent }, { test }, { during }, { random: true } or text (${TRIGGER_FORMS})`
  if (!isPlainObject(when) || Object.keys(when).length !== 1) throw new FaultSpecError(key, expected, when)
  const [[form, value] = ['', undefined]] = Object.entries(when)
  switch (form) {
    case 'afterTests':
      if (Number.isInteger(value) && (value as number) >= 0) return { afterTests: value as number }
      throw new FaultSpecError(`${key}.afterTests`, 'a whole number ≥ 0', value)
    case 'percent':
      if (validPercent(value)) return { percent: value }
      throw new FaultSpecError(`${key}.percent`, 'a number above 0 and below 100', value)
    case 'test':
    case 'during': {
      const pattern =
        value instanceof RegExp
          ? value
          : typeof value === 'string' && value !== ''
            ? literal(value)
            : undefined
      if (pattern === undefined)
        throw new FaultSpecError(`${key}.${form}`, 'a RegExp or a non-empty string', value)
      return form === 'test' ? { test: pattern } : { during: pattern }
    }
    case 'random':
      if (value === true) return { random: true }
      throw new FaultSpecError(`${key}.random`, 'true', value)
    default:
      throw new FaultSpecError(key, expected, when)
  }
}

function checkAgainstServices(spec: FaultSpec, services: readonly ChaosServiceView[], key: string): void {
  const service = services.find((candidate) => candidate.name === spec.service)
  if (service === undefined) {
    const names = services.map((candidate) => candidate.name).join(', ')
    throw new FaultSpecError(
      `${key}.service`,
      names === '' ? 'a declared service (no services are declared)' : `a declared service (${names})`,
      spec.service,
    )
  }
  const where = `services.${service.name}`
  if ((NETWORK_FAULT_KINDS as readonly string[]).includes(spec.kind) && !service.tcp) {
    throw new FaultSpecError(
      `${key}.kind`,
      `a process fault: ${where} has no host and port for the fault proxy to stand in front of`,
      spec.kind,
    )
  }
  if (service.owned || !(PROCESS_FAULT_KINDS as readonly string[]).includes(spec.kind)) return
  const needed = spec.kind === 'pause' ? ['pause', 'resume'] : [spec.kind]
  const missing = needed.filter((command) => !service.commands.includes(command))
  if (missing.length > 0) {
    throw new FaultSpecError(
      `${key}.kind`,
      `a fault ${where} can take: vitest-heal does not run its process and it has no ` +
        `${missing.map((command) => `${where}.chaos.${command}`).join(' or ')} command`,
      spec.kind,
    )
  }
}

function parseWhen(
  text: string,
  fail: (expected: string, got: unknown) => never,
): { trigger: FaultTrigger; times: number } {
  // `*n` ends the spec; a regex ends with `/flags`, so a `*` inside one is never taken for it.
  const repeat = /\*(\d+)$/.exec(text)
  const times = repeat ? Number(repeat[1]) : 1
  if (times < 1) fail('a repeat count ≥ 1 after "*"', repeat?.[0])
  const when = repeat ? text.slice(0, repeat.index) : text
  if (when === 'random') return { trigger: { random: true }, times }
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(when)
  if (percent) {
    const value = Number(percent[1])
    if (!validPercent(value)) fail('a percentage above 0 and below 100', when)
    return { trigger: { percent: value }, times }
  }
  const after = /^after:(\d+)$/.exec(when)
  if (after) return { trigger: { afterTests: Number(after[1]) }, times }
  const named = /^(test|during):(.+)$/.exec(when)
  if (named) {
    const pattern = patternOf(named[2] as string, fail)
    return { trigger: named[1] === 'test' ? { test: pattern } : { during: pattern }, times }
  }
  return fail(`a trigger (${TRIGGER_FORMS})`, when)
}

/** `/re/flags` is a regular expression; anything else is matched literally, anywhere in the name. */
function patternOf(text: string, fail: (expected: string, got: unknown) => never): RegExp {
  if (!text.startsWith('/')) return literal(text)
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(text)
  if (!regex) return fail('a regular expression as /pattern/flags', text)
  try {
    return new RegExp(regex[1] as string, regex[2])
  } catch (error) {
    return fail(`a valid regular expression (${(error as Error).message})`, text)
  }
}

function literal(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
}

function parseValue(def: ParamDef, text: string, fail: (expected: string, got: unknown) => never): number {
  const match =
    def.unit === 'duration' ? /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text) : /^(\d+(?:\.\d+)?)()$/.exec(text)
  const value = match ? Math.round(Number(match[1]) * (match[2] === 's' ? 1000 : 1)) : NaN
  if (!validNumber(def, value)) fail(`${def.text} as ${numberExpected(def)}`, text)
  return value
}

function validNumber(def: ParamDef, value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false
  if (def.unit !== 'rate' && !Number.isInteger(value)) return false
  return def.zero ? value >= 0 : value > 0
}

function numberExpected(def: ParamDef): string {
  const least = def.zero ? '≥ 0' : '> 0'
  if (def.unit === 'duration') return `a duration ${least} such as 500ms or 3s (a number of ms in objects)`
  if (def.unit === 'rate') return `a rate in KB/s ${least} such as 64`
  return `a whole number of bytes ${least}`
}

function formatValue(def: ParamDef, value: number): string {
  return def.unit === 'duration' ? `${value}ms` : String(value)
}

function example(def: ParamDef): string {
  return def.unit === 'duration' ? '500ms' : def.unit === 'rate' ? '64' : '16'
}

function validPercent(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && value < 100
}

function defOf(param: ParamName): ParamDef {
  return PARAMS.find((def) => def.param === param) as ParamDef
}

function textNames(kind: FaultKind): string {
  return KIND_PARAMS[kind].takes.map((param) => defOf(param).text).join(', ')
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const index = text.indexOf(separator)
  return index < 0 ? [text, undefined] : [text.slice(0, index), text.slice(index + 1)]
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)
  if (typeof value === 'function') return 'a function'
  if (value === undefined || value === null || typeof value !== 'object') return String(value)
  if (value instanceof RegExp) return String(value)
  return Array.isArray(value) ? `an array of ${value.length}` : 'an object'
}
