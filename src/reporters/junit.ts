/**
 * `junit.xml` in the Surefire dialect that Jenkins and GitLab read: one `<testcase>` per test with
 * its final outcome, earlier failed tries as `<flakyFailure>`/`<rerunFailure>` (their `Error`
 * twins for infra failures), and the heal decision as `<property>` entries.
 *
 * Written with xmlbuilder2's streaming builder: it escapes for us and does not hold a DOM of a
 * 20,000-test run in memory.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCB } from 'xmlbuilder2'
import type { XMLBuilderCB } from 'xmlbuilder2/lib/interfaces.js'
import type { TestReport, TryRecord } from '../core/report.js'
import type { RenderContext } from './context.js'
import { errorText } from './view.js'

export const JUNIT_FILE = 'junit.xml'

type TryError = TryRecord['errors'][number]

interface SuiteCounts {
  tests: number
  failures: number
  errors: number
  skipped: number
  ms: number
}

/**
 * Characters XML 1.0 cannot hold (a BEL in a message, a lone surrogate) are dropped: the streaming
 * builder escapes markup but, unlike the DOM builder, does not apply `invalidCharReplacement`.
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu

function xmlText(text: string): string {
  return text.replace(NOT_XML_CHAR, '')
}

/** Surefire's time: seconds, at most three decimals. */
function seconds(ms: number | undefined): string {
  return ((ms ?? 0) / 1000).toFixed(3)
}

/** An unrecovered infra failure is an `<error>` (the test never got to assert); a test bug is a `<failure>`. */
function isInfra(attempt: TryRecord): boolean {
  return attempt.verdict?.kind === 'infra'
}

function count(tests: readonly TestReport[]): SuiteCounts {
  const counts: SuiteCounts = { tests: 0, failures: 0, errors: 0, skipped: 0, ms: 0 }
  for (const test of tests) {
    counts.tests++
    counts.ms += test.durationMs ?? 0
    if (test.outcome === 'skipped') counts.skipped++
    if (test.outcome === 'failed' && test.cause === 'infra') counts.errors++
    else if (test.outcome === 'failed') counts.failures++
  }
  return counts
}

function countAttributes(counts: SuiteCounts): Record<string, string> {
  return {
    tests: String(counts.tests),
    failures: String(counts.failures),
    errors: String(counts.errors),
    skipped: String(counts.skipped),
    time: seconds(counts.ms),
  }
}

function groupByFile(tests: readonly TestReport[]): Map<string, TestReport[]> {
  const byFile = new Map<string, TestReport[]>()
  for (const test of tests) {
    const group = byFile.get(test.file)
    if (group) group.push(test)
    else byFile.set(test.file, [test])
  }
  return byFile
}

function firstError(attempt: TryRecord): TryError {
  return attempt.errors[0] ?? { name: 'Error', message: 'failed without an error' }
}

function describeTry(attempt: TryRecord, index: number): string {
  const error = firstError(attempt)
  const verdict = attempt.verdict ?? attempt.hypothesis
  const decided = verdict ? `, ${verdict.kind}${verdict.service ? ` (${verdict.service})` : ''} by rule ${verdict.rule}` : ''
  return `try ${index + 1} (pass ${attempt.pass}${decided}):\n${errorText(error)}`
}

function properties(xml: XMLBuilderCB, test: TestReport): void {
  const entries: [string, string | number | null][] = [
    ['outcome', test.outcome],
    ['verdict', test.outcome === 'failed' ? test.cause : test.outcome],
    ['service', test.service],
    ['rule', test.rule],
    ['attempts', test.attempts],
  ]
  xml.ele('properties')
  for (const [name, value] of entries) {
    if (value !== null) xml.ele('property', { name, value: xmlText(String(value)) }).up()
  }
  xml.up()
}

/** `<failure>`/`<error>`: plain text content, Surefire's first failed run of a test that stayed red. */
function mainFailure(xml: XMLBuilderCB, element: 'failure' | 'error', attempt: TryRecord, index: number): void {
  const error = firstError(attempt)
  xml.ele(element, { message: xmlText(error.message), type: xmlText(error.name) }).txt(xmlText(describeTry(attempt, index))).up()
}

/** `<rerunFailure>`, `<flakyError>`…: the same facts, but Surefire wants the text in `<stackTrace>`. */
function extraFailure(xml: XMLBuilderCB, element: string, attempt: TryRecord, index: number): void {
  const error = firstError(attempt)
  xml.ele(element, { message: xmlText(error.message), type: xmlText(error.name) })
  xml.ele('stackTrace').txt(xmlText(describeTry(attempt, index))).up()
  xml.up()
}

/**
 * Surefire's order inside `<testcase>` is fixed (failure, rerunFailure, flakyFailure, skipped,
 * error, rerunError, flakyError, system-out), so each family is written in its own slot.
 */
function outcomeElements(xml: XMLBuilderCB, test: TestReport): void {
  const failedTries = (test.tries ?? []).map((attempt, index) => ({ attempt, index })).filter((t) => t.attempt.state === 'failed')
  if (test.outcome === 'failed') {
    const family = test.cause === 'infra' ? 'Error' : 'Failure'
    const [first, ...reruns] = failedTries
    if (!first) {
      xml.ele(family === 'Error' ? 'error' : 'failure', { message: 'failed', type: test.cause ?? 'failed' }).up()
      return
    }
    if (family === 'Failure') {
      mainFailure(xml, 'failure', first.attempt, first.index)
      for (const rerun of reruns) extraFailure(xml, 'rerunFailure', rerun.attempt, rerun.index)
    } else {
      mainFailure(xml, 'error', first.attempt, first.index)
      for (const rerun of reruns) extraFailure(xml, 'rerunError', rerun.attempt, rerun.index)
    }
    return
  }
  if (test.outcome === 'skipped') {
    xml.ele('skipped').up()
    return
  }
  for (const t of failedTries) if (!isInfra(t.attempt)) extraFailure(xml, 'flakyFailure', t.attempt, t.index)
  for (const t of failedTries) if (isInfra(t.attempt)) extraFailure(xml, 'flakyError', t.attempt, t.index)
}

/** Jenkins' attachments plugin and GitLab both read `[[ATTACHMENT|path]]` lines from system-out. */
function attachments(xml: XMLBuilderCB, test: TestReport, reportDir: string): void {
  if (!test.attachments?.length) return
  const lines = test.attachments.map((a) => `[[ATTACHMENT|${join(reportDir, a.path)}]]`)
  xml.ele('system-out').txt(xmlText(lines.join('\n'))).up()
}

export function junitXml(tests: readonly TestReport[], reportDir: string): string {
  const chunks: string[] = []
  const xml = createCB({
    data: (chunk: string) => chunks.push(chunk),
    prettyPrint: true,
  })
  const byFile = groupByFile(tests)
  xml.dec({ version: '1.0', encoding: 'UTF-8' })
  xml.ele('testsuites', { name: 'vitest-heal', ...countAttributes(count(tests)) })
  for (const [file, fileTests] of byFile) {
    xml.ele('testsuite', { name: xmlText(file), ...countAttributes(count(fileTests)) })
    for (const test of fileTests) {
      xml.ele('testcase', { name: xmlText(test.name), classname: xmlText(file), time: seconds(test.durationMs) })
      properties(xml, test)
      outcomeElements(xml, test)
      attachments(xml, test, reportDir)
      xml.up()
    }
    xml.up()
  }
  xml.up()
  xml.end()
  return chunks.join('')
}

export function renderJunit({ view, reportDir }: RenderContext): void {
  writeFileSync(join(reportDir, JUNIT_FILE), junitXml(view.report.tests, reportDir))
}
