import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { HealConfigError } from '../../../src/errors.js'
import { defaultReporters, REPORTER_NAMES, writeReports } from '../../../src/reporters/index.js'
import { captureStream, exampleReport, EXAMPLE_DIR } from '../../reporters/fixtures/example-report.js'

const root = mkdtempSync(join(tmpdir(), 'heal-write-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('writeReports', () => {
  it('writes every format and prints the summary last', () => {
    const reportDir = join(root, 'all', 'nested')
    const stdout = captureStream()
    const summaryFile = join(root, 'step-summary.md')
    const result = writeReports(exampleReport(), {
      reportDir,
      reporters: [...REPORTER_NAMES],
      stdout,
      env: { GITHUB_STEP_SUMMARY: summaryFile },
    })
    expect(result).toEqual({ written: ['json', 'junit', 'html', 'github', 'summary'], failed: [] })
    for (const file of ['report.json', 'junit.xml', 'index.html'])
      expect(existsSync(join(reportDir, file))).toBe(true)
    expect(readFileSync(summaryFile, 'utf8')).toContain('## vitest-heal')
    // Written piece by piece, it still reads back as the same report.
    expect(JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8'))).toEqual(exampleReport())
    const out = stdout.text()
    expect(out.indexOf('::error')).toBeLessThan(out.indexOf(' Heal  ✓'))
  })

  it('writes every format from a report with only the contract fields (no tries, times or timeline)', () => {
    const tests = exampleReport().tests.map(({ file, name, outcome, cause, service, rule, attempts }) => ({
      file,
      name,
      outcome,
      cause,
      service,
      rule,
      attempts,
    }))
    const { summary, recoveries } = exampleReport()
    const bare = { version: 1 as const, outcome: 'failed' as const, summary, tests, recoveries }
    const reportDir = join(root, 'bare')
    const stdout = captureStream()
    const result = writeReports(bare, { reportDir, reporters: [...REPORTER_NAMES], stdout, env: {} })
    expect(result.failed).toEqual([])
    expect(readFileSync(join(reportDir, 'junit.xml'), 'utf8')).toContain(
      '<failure message="failed" type="test-bug"',
    )
    expect(readFileSync(join(reportDir, 'index.html'), 'utf8')).toContain('<div id="timeline"')
    expect(stdout.text()).toContain('no error recorded')
  })

  it('writes only the reporters asked for', () => {
    const reportDir = join(root, 'some')
    const stdout = captureStream()
    const result = writeReports(exampleReport(), { reportDir, reporters: ['json'], stdout, env: {} })
    expect(result.written).toEqual(['json'])
    expect(existsSync(join(reportDir, 'junit.xml'))).toBe(false)
    expect(stdout.text()).toBe('')
  })

  it('redacts secrets, with the extra patterns, in report.json', () => {
    const report = exampleReport()
    report.tests[0]!.name = 'uses postgres://app:hunter2@127.0.0.1/app and sk_live_42'
    const reportDir = join(root, 'redact')
    writeReports(report, {
      reportDir,
      reporters: ['json'],
      redact: [/sk_live_\d+/],
      stdout: captureStream(),
      env: {},
    })
    const json = readFileSync(join(reportDir, 'report.json'), 'utf8')
    expect(json).not.toMatch(/hunter2|sk_live_42/)
    expect(JSON.parse(json).tests[0].name).toBe('uses postgres://app:***@127.0.0.1/app and ***')
  })

  it('reports a renderer that throws in one line and still writes the others', () => {
    const reportDir = join(root, 'broken')
    // A directory where index.html should go: the HTML renderer fails for real (EISDIR).
    mkdirSync(join(reportDir, 'index.html'), { recursive: true })
    const stdout = captureStream()
    const result = writeReports(exampleReport(), {
      reportDir,
      reporters: ['json', 'junit', 'html', 'summary'],
      stdout,
      env: {},
    })
    expect(result.written).toEqual(['json', 'junit', 'summary'])
    expect(result.failed).toEqual([{ reporter: 'html', error: expect.stringContaining('EISDIR') }])
    const failureLines = stdout
      .text()
      .split('\n')
      .filter((l) => l.includes('could not be written'))
    expect(failureLines).toEqual([
      expect.stringMatching(/^vitest-heal: the html report could not be written: EISDIR/),
    ])
    expect(existsSync(join(reportDir, 'junit.xml'))).toBe(true)
    expect(stdout.text()).toContain(' Heal  ✓ 32 passed')
  })

  it('reports an unwritable report directory per file renderer and still prints the summary', () => {
    const stdout = captureStream()
    const blocker = join(EXAMPLE_DIR, 'report.json')
    const result = writeReports(exampleReport(), {
      reportDir: join(blocker, 'sub'),
      reporters: ['json', 'summary'],
      stdout,
      env: {},
    })
    expect(result.written).toEqual(['summary'])
    expect(result.failed.map((f) => f.reporter)).toEqual(['json'])
  })

  // Node's recursive mkdir retries ENOENT under /proc for ever: the run never ended (issue 11).
  it('a report directory under /proc costs one clear line per file report, at once', () => {
    const stdout = captureStream()
    const started = Date.now()
    const result = writeReports(exampleReport(), {
      reportDir: '/proc/nope/deeper',
      reporters: ['json', 'junit', 'html', 'summary'],
      stdout,
      env: {},
    })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(result.written).toEqual(['summary'])
    const lines = stdout
      .text()
      .split('\n')
      .filter((l) => l.includes('could not be written'))
    expect(lines).toEqual(
      ['json', 'junit', 'html'].map(
        (name) =>
          `vitest-heal: the ${name} report could not be written: cannot create the report directory /proc/nope/deeper: ENOENT: no such file or directory, mkdir '/proc/nope'`,
      ),
    )
    expect(stdout.text()).toContain(' Heal  ✓ 32 passed')
  })

  it('rejects an unknown reporter name before writing anything', () => {
    const reportDir = join(root, 'unknown')
    const call = () =>
      writeReports(exampleReport(), {
        reportDir,
        reporters: ['json', 'xml' as never],
        stdout: captureStream(),
        env: {},
      })
    expect(call).toThrow(HealConfigError)
    expect(call).toThrow(
      "vitest-heal: reporters[1]: expected one of 'json', 'junit', 'html', 'github', 'summary', got \"xml\"",
    )
    expect(existsSync(reportDir)).toBe(false)
  })
})

describe('defaultReporters', () => {
  it('adds GitHub only inside GitHub Actions', () => {
    expect(defaultReporters({})).toEqual(['json', 'junit', 'html', 'summary'])
    expect(defaultReporters({ GITHUB_ACTIONS: 'true' })).toEqual([
      'json',
      'junit',
      'html',
      'github',
      'summary',
    ])
  })
})
