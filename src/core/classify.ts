/**
 * classify(): one failed try → infra (and which service), flaky, or test-bug, with the rule that
 * decided and the text that made it decide. Pure and total: it never throws, whatever it is given.
 *
 * How a verdict is chosen (docs/classification.md has the long form):
 * 1. The failure's errors are flattened (error-walk.ts): each error, its `cause` chain, its `errors`.
 * 2. Each error gets the first rule that matches it, user rules before the catalogue.
 * 3. Across errors, the rule's precedence decides: a `final` match stands (the earliest rule in the
 *    list if several); otherwise `escalate` matches beat `first` ones and, among themselves, the
 *    strongest kind wins (infra > flaky > test-bug); otherwise the earliest error with a match.
 * 4. Nothing matched: `test-bug` by rule `default`.
 */
import { blameService, addressesInText, normaliseHost, type Address } from './blame.js'
import { errorsOf, readField, walkErrors, type ErrorNode } from './error-walk.js'
import { redactSecrets } from './redact.js'
import { BUILTIN_RULES, clientKindOf, DEFAULT_RULE_ID } from './rules.js'
import type {
  ErrorLike,
  Rule,
  RulePrecedence,
  ServiceRef,
  TextMatcher,
  Verdict,
  VerdictKind,
} from './types.js'

export interface Failure {
  /** The errors of one try, as a Vitest reporter receives them. */
  errors: ErrorLike[]
  /** The test's tags; `needs:<service>` settles which service to blame when the evidence does not. */
  tags?: string[]
}

export interface ClassifyOptions {
  services?: ServiceRef[]
  /** Tried before the built-in catalogue. */
  rules?: Rule[]
}

const EVIDENCE_CHARS = 200
const PRECEDENCE_RANK: Record<RulePrecedence, number> = { first: 0, escalate: 1, final: 2 }
const KIND_RANK: Record<VerdictKind, number> = { 'test-bug': 0, flaky: 1, infra: 2 }

type Test = (node: ErrorNode, field: 'name' | 'code' | 'message') => number

interface CompiledRule {
  rule: Rule
  /** Position in the combined list: user rules first. */
  order: number
  precedence: RulePrecedence
  tests: { field: 'name' | 'code' | 'message'; test: Test }[]
}

interface Match {
  compiled: CompiledRule
  node: ErrorNode
  /** Where in the node's message the rule matched (-1: it matched on name or code). */
  at: number
}

/** -1 when no match; otherwise the index of the match in `text`. */
function textTest(matcher: TextMatcher, substring: boolean): Test | undefined {
  if (typeof matcher === 'string') {
    if (!substring) return (node, field) => (node[field] === matcher ? 0 : -1)
    const needle = matcher.toLowerCase()
    return (node) => (node.lowerMessage ??= node.message.toLowerCase()).indexOf(needle)
  }
  if (matcher instanceof RegExp) {
    // A user's /g or /y regexp keeps state between calls: match with a stateless copy.
    const regexp =
      matcher.global || matcher.sticky
        ? new RegExp(matcher.source, matcher.flags.replace(/[gy]/g, ''))
        : matcher
    return (node, field) => {
      const found = regexp.exec(node[field])
      return found === null ? -1 : found.index
    }
  }
  return undefined
}

function compileRule(rule: Rule, order: number): CompiledRule | undefined {
  const when = readField(rule, 'when')
  const kind = readField(rule, 'kind')
  if (
    typeof readField(rule, 'id') !== 'string' ||
    typeof kind !== 'string' ||
    !(kind in KIND_RANK) ||
    when === undefined
  )
    return undefined
  const tests: CompiledRule['tests'] = []
  for (const field of ['name', 'code', 'message'] as const) {
    const matcher = readField(when, field)
    if (matcher === undefined) continue
    const test = textTest(matcher as TextMatcher, field === 'message')
    // A malformed matcher can never match: the rule is inert rather than a catch-all.
    if (test === undefined) return undefined
    tests.push({ field, test })
  }
  if (tests.length === 0) return undefined
  const precedence =
    rule.precedence !== undefined && rule.precedence in PRECEDENCE_RANK ? rule.precedence : 'first'
  return { rule, order, precedence, tests }
}

const builtinCompiled = BUILTIN_RULES.map((rule, order) => compileRule(rule, order)!)
const compiledCache = new WeakMap<readonly Rule[], CompiledRule[]>()

function compileAll(userRules: unknown): CompiledRule[] {
  if (!Array.isArray(userRules) || userRules.length === 0) return builtinCompiled
  const cached = compiledCache.get(userRules)
  if (cached) return cached
  const compiled: CompiledRule[] = []
  userRules.forEach((rule: Rule, order) => {
    const one = compileRule(rule, order)
    if (one) compiled.push(one)
  })
  for (const builtin of builtinCompiled)
    compiled.push({ ...builtin, order: builtin.order + userRules.length })
  compiledCache.set(userRules, compiled)
  return compiled
}

function firstMatch(rules: readonly CompiledRule[], node: ErrorNode): Match | undefined {
  for (const compiled of rules) {
    let at = -1
    let matched = true
    for (const { field, test } of compiled.tests) {
      const found = test(node, field)
      if (found < 0) {
        matched = false
        break
      }
      if (field === 'message') at = found
    }
    if (matched) return { compiled, node, at }
  }
  return undefined
}

function outranks(candidate: Match, best: Match): boolean {
  const rank = PRECEDENCE_RANK[candidate.compiled.precedence] - PRECEDENCE_RANK[best.compiled.precedence]
  if (rank !== 0) return rank > 0
  if (candidate.compiled.precedence === 'final') return candidate.compiled.order < best.compiled.order
  if (candidate.compiled.precedence === 'escalate')
    return KIND_RANK[candidate.compiled.rule.kind] > KIND_RANK[best.compiled.rule.kind]
  return false
}

function lineAround(text: string, at: number): string {
  const start = text.lastIndexOf('\n', at) + 1
  const newline = text.indexOf('\n', at)
  const line = text.slice(start, newline < 0 ? text.length : newline).trim()
  if (line.length <= EVIDENCE_CHARS) return line
  const offset = Math.max(0, Math.min(at - start - EVIDENCE_CHARS / 4, line.length - EVIDENCE_CHARS))
  return `…${line.slice(offset, offset + EVIDENCE_CHARS)}…`
}

function describeNode(node: ErrorNode, at: number): string {
  const label = node.name === '' ? 'Error' : node.name
  const code = node.code === '' ? '' : ` [${node.code}]`
  const text = lineAround(node.message, Math.max(0, at))
  return redactEvidence(text === '' ? `${label}${code}` : `${label}${code}: ${text}`)
}

/** Every secret pattern redactSecrets knows needs a `://` or a `=`; most evidence has neither. */
function redactEvidence(text: string): string {
  return text.includes('://') || text.includes('=') ? redactSecrets(text) : text
}

function* addressesOfNode(node: ErrorNode): Generator<Address> {
  if (node.address !== '') yield { host: normaliseHost(node.address), port: node.port }
  yield* addressesInText(node.message)
}

/** The matched error's addresses first; a generator, so blame stops reading at the first that names a service. */
function* addressesOf(nodes: readonly ErrorNode[], first: ErrorNode): Generator<Address> {
  yield* addressesOfNode(first)
  for (const node of nodes) if (node !== first) yield* addressesOfNode(node)
}

function defaultVerdict(nodes: readonly ErrorNode[]): Verdict {
  const first = nodes[0]
  return { kind: 'test-bug', rule: DEFAULT_RULE_ID, evidence: first ? describeNode(first, 0) : '(no error)' }
}

function decide(failure: unknown, options: unknown): Verdict {
  const nodes = walkErrors(errorsOf(failure))
  const rules = compileAll(readField(options, 'rules'))
  let best: Match | undefined
  for (const node of nodes) {
    const match = firstMatch(rules, node)
    if (match && (best === undefined || outranks(match, best))) best = match
  }
  if (best === undefined) return defaultVerdict(nodes)

  const { rule } = best.compiled
  const verdict: Verdict = { kind: rule.kind, rule: rule.id, evidence: describeNode(best.node, best.at) }
  if (rule.kind === 'test-bug') return verdict
  const services = readField(options, 'services')
  const tags = readField(failure, 'tags')
  if (!Array.isArray(services) || services.length === 0) return verdict
  const clientKind = clientKindOf(rule)
  const service = blameService(services.filter(isServiceRef), {
    family: typeof rule.service === 'string' ? rule.service : undefined,
    ...(clientKind === undefined ? {} : { clientKind }),
    addresses: addressesOf(nodes, best.node),
    tags: Array.isArray(tags) ? tags : undefined,
  })
  if (service !== undefined) verdict.service = service
  return verdict
}

function isServiceRef(value: unknown): value is ServiceRef {
  return typeof readField(value, 'name') === 'string'
}

export function classify(failure: Failure, options: ClassifyOptions = {}): Verdict {
  try {
    return decide(failure, options)
  } catch {
    // Only a hostile input (a throwing Proxy, say) gets here; the run must go on.
    return { kind: 'test-bug', rule: DEFAULT_RULE_ID, evidence: '(unreadable error)' }
  }
}
