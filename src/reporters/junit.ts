/**
 * `junit.xml` in the Surefire dialect that Jenkins and GitLab read: one `<testcase>` per test with
 * its final outcome, earlier failed tries as `<flakyFailure>`/`<rerunFailure>` (their `Error`
 * twins for infra failures), and the heal decision as `<property>` entries.
 *
 * Built as plain objects and serialised by fast-xml-parser's XMLBuilder (xml-writer.ts), which
 * escapes every name and value; a DOM-based builder took seconds on a 20,000-test run.
 */
import { join, resolve } from 'node:path'
import { testHistoryText } from '../core/test-history.js'
import type { OutsideError, TestReport, TryRecord } from '../core/report.js'
import { chaosSummary, faultSentence, predictionSentence } from './chaos-rows.js'
import type { RenderContext } from './context.js'
import { writeChunks } from './file-sink.js'
import { errorText, projectFile, type ReportView } from './view.js'
import { element, type XmlNode } from './xml-writer.js'

export const JUNIT_FILE = 'junit.xml'
/** The suite that holds the run's own properties (a chaos run's scorecard, the predictions); no testcase. */
export const RUN_SUITE = '(vitest-heal run)'

type TryError = TryRecord['errors'][number]

/** Characters XML 1.0 cannot hold (a BEL in a message, a lone surrogate) are dropped, not escaped. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu
/**
 * The same test without the `u` flag, which is several times faster: it also flags every
 * surrogate (valid pairs included), so a hit only means the exact replace must run.
 */
const MAYBE_NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/

function xmlText(text: string): string {
  return MAYBE_NOT_XML_CHAR.test(text) ? text.replace(NOT_XML_CHAR, '') : text
}

interface SuiteCounts {
  tests: number
  failures: number
  errors: number
  skipped: number
  ms: number
}

/** Surefire's time: seconds, at most three decimals. */
function seconds(ms: number | undefined): string {
  return ((ms ?? 0) / 1000).toFixed(3)
}

/** An unrecovered infra failure is an `<error>` (the test never got to assert); a test bug is a `<failure>`. */
function isInfra(attempt: TryRecord): boolean {
  return attempt.verdict?.kind === 'infra'
}

function emptyCounts(): SuiteCounts {
  return { tests: 0, failures: 0, errors: 0, skipped: 0, ms: 0 }
}

function addTo(counts: SuiteCounts, test: TestReport): void {
  counts.tests++
  counts.ms += test.durationMs ?? 0
  if (test.outcome === 'skipped') counts.skipped++
  else if (test.outcome === 'failed' && test.cause === 'infra') counts.errors++
  else if (test.outcome === 'failed') counts.failures++
}

function countAttributes(counts: SuiteCounts): XmlNode {
  return {
    '@_tests': counts.tests,
    '@_failures': counts.failures,
    '@_errors': counts.errors,
    '@_skipped': counts.skipped,
    '@_time': seconds(counts.ms),
  }
}

/**
 * An error outside any test counts as one testcase, as Vitest's own junit reporter counts a
 * failed suite: a failure (or an error, for infra) unless forgiven.
 */
function addOutside(counts: SuiteCounts, error: OutsideError): void {
  counts.tests++
  if (error.forgiven) return
  if (error.verdict?.kind === 'infra') counts.errors++
  else counts.failures++
}

interface Suite {
  tests: TestReport[]
  outside: OutsideError[]
  counts: SuiteCounts
}

/** Unhandled errors belong to no file: they get a <testsuite> of their own. */
const UNHANDLED_SUITE = '(unhandled errors)'

/** Tests by file with each file's counts and the totals, in one pass over a possibly huge list. */
function suitesOf(
  tests: readonly TestReport[],
  errors: readonly OutsideError[],
): { suites: Map<string, Suite>; total: SuiteCounts } {
  const suites = new Map<string, Suite>()
  const total = emptyCounts()
  const suiteOf = (name: string): Suite => {
    let suite = suites.get(name)
    if (!suite) {
      suite = { tests: [], outside: [], counts: emptyCounts() }
      suites.set(name, suite)
    }
    return suite
  }
  for (const test of tests) {
    // One <testsuite> per file and project: two projects running one file are two suites.
    const suite = suiteOf(projectFile(test))
    suite.tests.push(test)
    addTo(suite.counts, test)
    addTo(total, test)
  }
  for (const error of errors) {
    const suite = suiteOf(
      error.file === undefined ? UNHANDLED_SUITE : projectFile({ ...error, file: error.file }),
    )
    suite.outside.push(error)
    addOutside(suite.counts, error)
    addOutside(total, error)
  }
  return { suites, total }
}

function firstError(attempt: TryRecord): TryError {
  return attempt.errors[0] ?? { name: 'Error', message: 'failed without an error' }
}

function describeTry(attempt: TryRecord, index: number): string {
  const verdict = attempt.verdict ?? attempt.hypothesis
  const decided = verdict
    ? `, ${verdict.kind}${verdict.service ? ` (${verdict.service})` : ''} by rule ${verdict.rule}`
    : ''
  return xmlText(`try ${index + 1} (pass ${attempt.pass}${decided}):\n${errorText(firstError(attempt))}`)
}

function failureAttributes(attempt: TryRecord): XmlNode {
  const error = firstError(attempt)
  return { '@_message': xmlText(error.message), '@_type': xmlText(error.name) }
}

function properties(test: TestReport): XmlNode {
  const entries: [string, string | number | null][] = [
    ['outcome', test.outcome],
    ['verdict', test.outcome === 'failed' ? test.cause : test.outcome],
    ['service', test.service],
    ['rule', test.rule],
    ['attempts', test.attempts],
    ['history', test.history ? testHistoryText(test.history) : null],
    ['quarantined', test.quarantined ? 'true' : null],
  ]
  return {
    property: entries
      .filter(([, value]) => value !== null)
      .map(([name, value]) => ({ '@_name': name, '@_value': xmlText(String(value)) })),
  }
}

interface FailedTry {
  attempt: TryRecord
  index: number
}

/** `<failure>`/`<error>`: plain text content, Surefire's first failed run of a test that stayed red. */
function mainFailure({ attempt, index }: FailedTry): XmlNode {
  return { ...failureAttributes(attempt), '#text': describeTry(attempt, index) }
}

/** `<rerunFailure>`, `<flakyError>`…: the same facts, but Surefire wants the text in `<stackTrace>`. */
function extraFailure({ attempt, index }: FailedTry): XmlNode {
  return { ...failureAttributes(attempt), stackTrace: describeTry(attempt, index) }
}

/**
 * Surefire's order inside `<testcase>` is fixed (failure, rerunFailure, flakyFailure, skipped,
 * error, rerunError, flakyError, system-out); object keys are written in insertion order.
 */
function outcomeElements(test: TestReport): XmlNode {
  // Most tests of a large run: nothing to write, so nothing to allocate.
  if (test.outcome === 'passed' && test.attempts <= 1) return {}
  const failedTries = (test.tries ?? [])
    .map((attempt, index) => ({ attempt, index }))
    .filter((t) => t.attempt.state === 'failed')
  if (test.outcome === 'skipped') return { skipped: '' }
  if (failedTries.length === 0 && test.outcome !== 'failed') return {}
  if (test.outcome === 'failed') {
    const infra = test.cause === 'infra'
    const [first, ...reruns] = failedTries
    const main = first ? mainFailure(first) : { '@_message': 'failed', '@_type': test.cause ?? 'failed' }
    return infra
      ? { error: main, rerunError: reruns.map(extraFailure) }
      : { failure: main, rerunFailure: reruns.map(extraFailure) }
  }
  return {
    flakyFailure: failedTries.filter((t) => !isInfra(t.attempt)).map(extraFailure),
    flakyError: failedTries.filter((t) => isInfra(t.attempt)).map(extraFailure),
  }
}

function testcase(test: TestReport, file: string, reportDir: string): XmlNode {
  const node: XmlNode = {
    '@_name': xmlText(test.name),
    '@_classname': file,
    '@_time': seconds(test.durationMs),
  }
  // A test that passed at its first try has nothing for the heal to say; most tests are those,
  // and leaving their properties out keeps a large junit.xml a third of the size.
  if (test.outcome !== 'passed' || test.attempts > 1) node.properties = properties(test)
  Object.assign(node, outcomeElements(test))
  // Jenkins' attachments plugin and GitLab both read `[[ATTACHMENT|path]]` lines from system-out.
  if (test.attachments?.length) {
    node['system-out'] = xmlText(
      test.attachments.map((a) => `[[ATTACHMENT|${resolve(reportDir, a.path)}]]`).join('\n'),
    )
  }
  return node
}

function outsideName(error: OutsideError): string {
  if (error.where === 'suite') return `${error.suite ?? ''} (hook)`
  if (error.where === 'module') return '(file hook or top level)'
  return '(unhandled error)'
}

/**
 * An error outside any test as a `<testcase>` of its file: Jenkins and GitLab show a failed
 * testcase as a failure, and nothing else (a `<system-err>` is only text). A forgiven one passes,
 * with the error as flaky markup, so it is still there to read.
 */
function outsideCase(error: OutsideError, classname: string): XmlNode {
  const verdict = error.verdict
  const decided = verdict
    ? `, ${verdict.kind}${verdict.service ? ` (${verdict.service})` : ''} by rule ${verdict.rule}`
    : ''
  const text = xmlText(
    `${error.where} error (pass ${error.pass}${decided}): ${error.forgiven ? 'forgiven' : 'fails the run'}: ${error.why}\n${errorText(error)}`,
  )
  const attributes = { '@_message': xmlText(error.message), '@_type': xmlText(error.name) }
  const entries: [string, string | undefined][] = [
    ['where', error.where],
    ['suite', error.suite],
    ['pass', String(error.pass)],
    ['verdict', verdict?.kind],
    ['service', verdict?.service],
    ['rule', verdict?.rule],
    ['forgiven', String(error.forgiven)],
    ['why', error.why],
  ]
  const node: XmlNode = {
    '@_name': xmlText(outsideName(error)),
    '@_classname': classname,
    '@_time': seconds(0),
    properties: {
      property: entries
        .filter((entry): entry is [string, string] => entry[1] !== undefined)
        .map(([name, value]) => ({ '@_name': name, '@_value': xmlText(value) })),
    },
  }
  const infra = verdict?.kind === 'infra'
  if (error.forgiven) node[infra ? 'flakyError' : 'flakyFailure'] = { ...attributes, stackTrace: text }
  else node[infra ? 'error' : 'failure'] = { ...attributes, '#text': text }
  return node
}

/**
 * The document in pieces, one `<testsuite>` at a time. The `<testsuites>` wrapper holds only our
 * own numbers, so it is the one part not built from nodes. Errors outside tests are testcases
 * of their file's suite, after its tests.
 */
export function* junitChunks(
  tests: readonly TestReport[],
  reportDir: string,
  errors: readonly OutsideError[] = [],
  properties: readonly (readonly [string, string])[] = [],
): Generator<string> {
  const { suites, total } = suitesOf(tests, errors)
  yield '<?xml version="1.0" encoding="UTF-8"?>\n'
  yield `<testsuites name="vitest-heal" tests="${total.tests}" failures="${total.failures}" errors="${total.errors}" skipped="${total.skipped}" time="${seconds(total.ms)}">\n`
  // `<testsuites>` holds only suites (Ant/Jenkins schema): the run's properties get a suite of their own.
  if (properties.length > 0) {
    const property = properties.map(([name, value]) => ({
      '@_name': xmlText(name),
      '@_value': xmlText(value),
    }))
    yield element('testsuite', {
      '@_name': RUN_SUITE,
      ...countAttributes(emptyCounts()),
      properties: { property },
    })
  }
  for (const [file, { tests: fileTests, outside, counts }] of suites) {
    const name = xmlText(file)
    const suite = {
      '@_name': name,
      ...countAttributes(counts),
      testcase: [
        ...fileTests.map((t) => testcase(t, name, reportDir)),
        ...outside.map((e) => outsideCase(e, name)),
      ],
    }
    yield element('testsuite', suite)
  }
  yield '</testsuites>\n'
}

export function junitXml(
  tests: readonly TestReport[],
  reportDir: string,
  errors: readonly OutsideError[] = [],
  properties: readonly (readonly [string, string])[] = [],
): string {
  return [...junitChunks(tests, reportDir, errors, properties)].join('')
}

/**
 * `vitest-heal.chaos` (the scorecard line), `vitest-heal.chaos.<fault id>` (`@<shard>` after a
 * merge) and `vitest-heal.prediction.<n>`, each one sentence; none in a normal run.
 */
export function runProperties(view: ReportView): [string, string][] {
  const properties: [string, string][] = []
  const line = chaosSummary(view)
  if (line !== undefined) properties.push(['vitest-heal.chaos', line])
  for (const fault of view.report.faults ?? []) {
    const id = fault.shard === undefined ? fault.id : `${fault.id}@${fault.shard}`
    properties.push([`vitest-heal.chaos.${id}`, faultSentence(view, fault)])
  }
  for (const [i, prediction] of (view.report.predictions ?? []).entries())
    properties.push([`vitest-heal.prediction.${i + 1}`, predictionSentence(view, prediction)])
  return properties
}

export function renderJunit({ view, reportDir }: RenderContext): void {
  writeChunks(
    join(reportDir, JUNIT_FILE),
    junitChunks(view.report.tests, reportDir, view.report.errors ?? [], runProperties(view)),
  )
}
