import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { RunReport, TestReport } from '../../../src/core/report.js'
import { gatherAttachments } from '../../../src/reporters/attachments.js'

const root = mkdtempSync(join(tmpdir(), 'heal-gather-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function file(path: string, content: string): string {
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, content)
  return path
}

function test(name: string, attachments: TestReport['attachments']): TestReport {
  const base: TestReport = {
    file: 'a.test.ts',
    name,
    outcome: 'failed',
    cause: 'test-bug',
    service: null,
    rule: 'r',
    attempts: 1,
  }
  return attachments ? { ...base, attachments } : base
}

function report(tests: TestReport[]): RunReport {
  const summary = {
    total: tests.length,
    passed: 0,
    healed: 0,
    flaky: 0,
    failed: tests.length,
    testBug: tests.length,
    infra: 0,
    skipped: 0,
  }
  return { version: 1, outcome: 'failed', summary, tests, recoveries: [] }
}

describe('gatherAttachments', () => {
  it('copies files from outside the report directory into attachments/, keeping distinct files with one name apart', () => {
    const reportDir = join(root, 'one', 'report')
    const a = file(join(root, 'one', 'shard-a', 'shot.png'), 'A')
    const b = file(join(root, 'one', 'shard-b', 'shot.png'), 'B')
    const gathered = gatherAttachments(
      report([
        test('first', [{ name: 'shot', path: a, contentType: 'image/png' }]),
        test('second', [{ name: 'shot', path: '../shard-b/shot.png' }]),
      ]),
      reportDir,
    )
    const paths = gathered.tests.map((t) => t.attachments![0]!.path)
    expect(paths).toEqual(['attachments/shot.png', 'attachments/2-shot.png'])
    expect(paths.map((p) => readFileSync(join(reportDir, p), 'utf8'))).toEqual(['A', 'B'])
    expect(gathered.tests[0]!.attachments![0]).toEqual({
      name: 'shot',
      path: 'attachments/shot.png',
      contentType: 'image/png',
    })
    expect(readFileSync(b, 'utf8')).toBe('B')
  })

  it('copies a file attached by two tests once', () => {
    const reportDir = join(root, 'twice', 'report')
    const shot = file(join(root, 'twice', 'vitest-attachments', 'page.html'), '<p>')
    const gathered = gatherAttachments(
      report([test('x', [{ name: 'page', path: shot }]), test('y', [{ name: 'page', path: shot }])]),
      reportDir,
    )
    expect(gathered.tests.map((t) => t.attachments![0]!.path)).toEqual([
      'attachments/page.html',
      'attachments/page.html',
    ])
    expect(readdirSync(join(reportDir, 'attachments'))).toEqual(['page.html'])
  })

  it('leaves files already inside the report directory, and missing files, where they are', () => {
    const reportDir = join(root, 'inside', 'report')
    file(join(reportDir, 'screenshots', 'in.png'), 'I')
    const input = report([
      test('inside', [{ name: 'in', path: 'screenshots/in.png' }]),
      test('missing', [{ name: 'gone', path: join(root, 'inside', 'gone.png') }]),
    ])
    const gathered = gatherAttachments(input, reportDir)
    expect(gathered.tests).toEqual(input.tests)
    expect(existsSync(join(reportDir, 'attachments'))).toBe(false)
  })

  it('returns the same report when no test attached anything', () => {
    const input = report([test('plain', undefined)])
    expect(gatherAttachments(input, join(root, 'none'))).toBe(input)
  })
})
