import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'test-results-parser'
import { afterAll, describe, expect, it } from 'vitest'
import { validateXML } from 'xmllint-wasm'
import { junitXml } from '../../../src/reporters/junit.js'
import { buildView } from '../../../src/reporters/view.js'
import type { OutsideError, TestReport } from '../../../src/core/report.js'
import { exampleReport, XSS_NAME } from '../../reporters/fixtures/example-report.js'

const XSD = readFileSync(new URL('../../reporters/fixtures/junit-surefire.xsd', import.meta.url), 'utf8')
const dir = mkdtempSync(join(tmpdir(), 'heal-junit-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function exampleXml(): string {
  return junitXml(buildView(exampleReport()).report.tests, '/reports')
}

async function validate(xml: string): Promise<{ valid: boolean; errors: string[] }> {
  const result = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [XSD] })
  return { valid: result.valid, errors: result.errors.map((e) => e.rawMessage) }
}

/** The testcase element of one test, as text, to check the Surefire markup it carries. */
function testcase(xml: string, name: string): string {
  const start = xml.indexOf(`<testcase name="${name}"`)
  expect(start).toBeGreaterThanOrEqual(0)
  return xml.slice(start, xml.indexOf('</testcase>', start))
}

describe('junit.xml', () => {
  it('is valid against the Surefire schema', async () => {
    expect(await validate(exampleXml())).toEqual({ valid: true, errors: [] })
  })

  it('the schema is strict enough to catch a misplaced element (so the check above means something)', async () => {
    const broken = exampleXml()
      .replace(/<flakyFailure /, '<flakyFailureX ')
      .replace(/<\/flakyFailure>/, '</flakyFailureX>')
    expect((await validate(broken)).valid).toBe(false)
  })

  it('writes earlier failed tries as flaky markup and keeps the final outcome', () => {
    const xml = exampleXml()
    const flaky = testcase(xml, 'search &gt; suggests while typing')
    expect(flaky).toMatch(
      /<flakyFailure message="Test timed out in 5000ms\." type="TimeoutError">\s*<stackTrace>try 1 \(pass 1, flaky by rule timeout\)/,
    )
    expect(flaky).not.toMatch(/<failure|<error/)
    const healed = testcase(xml, 'orders &gt; creates an order')
    expect(healed).toMatch(/<flakyError message="connect ECONNREFUSED 127\.0\.0\.1:54329" type="Error">/)
    expect(healed).toContain('<property name="service" value="db"/>')
  })

  it('writes an unrecovered infra failure as <error> with the later try as <rerunError>', () => {
    const infra = testcase(exampleXml(), 'health &gt; reports ready')
    expect(infra).toMatch(/<error message="connect ECONNREFUSED 127\.0\.0\.1:3000" type="Error">try 1/)
    expect(infra).toMatch(/<rerunError [^>]*>\s*<stackTrace>try 2/)
  })

  it('writes a failing test with reruns as <failure> then <rerunFailure>', async () => {
    const report = exampleReport()
    const bug = report.tests.find((t) => t.name === 'users > shows the greeting')!
    bug.tries = [bug.tries![0]!, { ...bug.tries![0]!, startedAt: undefined }]
    bug.attempts = 2
    const xml = junitXml(report.tests, '/reports')
    expect(testcase(xml, 'users &gt; shows the greeting')).toMatch(
      /<failure [^>]*>try 1[\s\S]*<rerunFailure [^>]*>\s*<stackTrace>try 2/,
    )
    expect((await validate(xml)).valid).toBe(true)
  })

  it('carries verdict, service, rule and attempts as properties, and attachments for Jenkins/GitLab', () => {
    const bug = testcase(exampleXml(), 'users &gt; shows the greeting')
    expect(bug).toContain('<property name="outcome" value="failed"/>')
    expect(bug).toContain('<property name="verdict" value="test-bug"/>')
    expect(bug).toContain('<property name="rule" value="assertion"/>')
    expect(bug).toContain('<property name="attempts" value="1"/>')
    expect(bug).toContain('[[ATTACHMENT|/reports/screenshots/users-greeting.png]]')
  })

  it('escapes markup in names and messages, and drops characters XML cannot hold', async () => {
    const report = exampleReport()
    report.tests[0]!.name = 'bell \u0007 and <tag attr="x"> & more'
    const xml = junitXml(report.tests, '/r')
    expect(xml).toContain('name="bell  and &lt;tag attr=&quot;x&quot;&gt; &amp; more"')
    expect(xml).not.toContain(XSS_NAME)
    expect((await validate(xml)).valid).toBe(true)
  })

  it('writes a value "true" as a value (a test named "true" stays valid XML)', async () => {
    const report = exampleReport()
    report.tests[0]!.name = 'true'
    const xml = junitXml(report.tests, '/r')
    expect(xml).toContain('<testcase name="true"')
    expect((await validate(xml)).valid).toBe(true)
  })

  it('keeps astral characters and drops lone surrogates', async () => {
    const report = exampleReport()
    report.tests[0]!.name = 'emoji \u{1F600} lone \uD800 end'
    const xml = junitXml(report.tests, '/r')
    expect(xml).toContain('name="emoji \u{1F600} lone  end"')
    expect((await validate(xml)).valid).toBe(true)
  })

  it('reads back in a real JUnit consumer with the same counts and per-test properties', () => {
    const file = join(dir, 'junit.xml')
    writeFileSync(file, exampleXml())
    const result = parse({ type: 'junit', files: [file] })
    const cases = result.suites.flatMap((s) => s.cases)
    const summary = exampleReport().summary
    expect(cases).toHaveLength(summary.total)
    expect(cases.filter((c) => c.status === 'FAIL')).toHaveLength(summary.failed)
    expect(cases.filter((c) => c.status === 'SKIP')).toHaveLength(summary.skipped)
    // Healed and flaky tests passed in the end: a consumer must not count them as failures.
    expect(cases.filter((c) => c.status === 'PASS')).toHaveLength(
      summary.passed + summary.healed + summary.flaky,
    )
    const healed = cases.find((c) => c.name === 'orders > creates an order')
    expect(healed?.metadata).toMatchObject({
      outcome: 'healed',
      service: 'db',
      rule: 'pg-connection-refused',
      attempts: 2,
    })
    const bug = cases.find((c) => c.name === XSS_NAME)
    expect(bug?.failure).toBe("Cannot read properties of undefined (reading '<script>alert(2)</script>')")
  })

  describe('errors outside tests', () => {
    const afterAllBug: OutsideError = {
      where: 'module',
      file: 'test/users.test.ts',
      pass: 1,
      name: 'TypeError',
      message: "Cannot read properties of undefined (reading 'end')",
      stack: 'TypeError: x\n    at test/users.test.ts:9:3',
      verdict: { kind: 'test-bug', rule: 'default', evidence: '' },
      forgiven: false,
      why: 'not an outage (test-bug, rule default): it fails the run as it does in plain Vitest',
    }
    const forgivenHook: OutsideError = {
      where: 'suite',
      file: 'test/orders.test.ts',
      suite: 'orders',
      pass: 1,
      name: 'Error',
      message: 'Connection terminated unexpectedly',
      verdict: { kind: 'infra', service: 'db', rule: 'pg.connection-terminated', evidence: '' },
      forgiven: true,
      why: 'infra (rule pg.connection-terminated) of db, which was found down and recovered in this run',
    }
    const unhandled: OutsideError = {
      ...forgivenHook,
      where: 'unhandled',
      file: undefined,
      suite: undefined,
      forgiven: false,
    }
    const passing: TestReport = {
      file: 'test/users.test.ts',
      name: 'users > lists',
      outcome: 'passed',
      cause: null,
      service: null,
      rule: null,
      attempts: 1,
      durationMs: 3,
    }
    const xml = () => junitXml([passing], '/r', [afterAllBug, forgivenHook, unhandled])

    it('an unforgiven hook error is a failed testcase of its file; a forgiven one passes and says why', async () => {
      const out = xml()
      expect(testcase(out, '(file hook or top level)')).toMatch(
        /classname="test\/users\.test\.ts"[\s\S]*<failure message="Cannot read properties of undefined \(reading &apos;end&apos;\)" type="TypeError">module error \(pass 1, test-bug by rule default\): fails the run/,
      )
      const hook = testcase(out, 'orders (hook)')
      expect(hook).toContain('<property name="forgiven" value="true"/>')
      expect(hook).toContain(
        '<property name="why" value="infra (rule pg.connection-terminated) of db, which was found down and recovered in this run"/>',
      )
      expect(hook).toMatch(/<flakyError message="Connection terminated unexpectedly" type="Error">/)
      expect(hook).not.toMatch(/<failure|<error /)
      expect(testcase(out, '(unhandled error)')).toMatch(
        /<error message="Connection terminated unexpectedly"/,
      )
      expect(out).toMatch(/<testsuite name="\(unhandled errors\)" tests="1" failures="0" errors="1"/)
      expect(out).toMatch(/<testsuite name="test\/users\.test\.ts" tests="2" failures="1" errors="0"/)
      expect(out).toMatch(/<testsuites name="vitest-heal" tests="4" failures="1" errors="1"/)
      expect(await validate(out)).toEqual({ valid: true, errors: [] })
    })

    it('a JUnit consumer counts the unforgiven ones as failures and the forgiven one as passed', () => {
      const file = join(dir, 'outside.xml')
      writeFileSync(file, xml())
      const cases = parse({ type: 'junit', files: [file] }).suites.flatMap((s) => s.cases)
      expect(cases.map((c) => [c.name, c.status])).toEqual([
        ['users > lists', 'PASS'],
        ['(file hook or top level)', 'FAIL'],
        ['orders (hook)', 'PASS'],
        ['(unhandled error)', 'FAIL'],
      ])
    })
  })
})
