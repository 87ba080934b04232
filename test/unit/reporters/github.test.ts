import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { annotation, cell, escapeData, escapeProperty, renderGithub } from '../../../src/reporters/github.js'
import { buildView } from '../../../src/reporters/view.js'
import { captureStream, exampleReport, XSS_NAME } from '../../reporters/fixtures/example-report.js'

const dir = mkdtempSync(join(tmpdir(), 'heal-github-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function run(summaryFile: string): string {
  const stdout = captureStream()
  renderGithub({
    view: buildView(exampleReport()),
    reportDir: dir,
    stdout,
    env: { GITHUB_STEP_SUMMARY: summaryFile },
  })
  return stdout.text()
}

describe('workflow-command escaping', () => {
  it('encodes what would end a command early', () => {
    expect(escapeData('50% done\r\nnext')).toBe('50%25 done%0D%0Anext')
    expect(escapeProperty('a:b,c%\n')).toBe('a%3Ab%2Cc%25%0A')
  })

  it('keeps a multi-line message with a forged command inside one annotation', () => {
    const [test] = exampleReport().tests
    const line = annotation('error', test!, 'title, with: colon', 'boom\n::error::forged')
    expect(line).toBe(
      '::error file=test/users.test.ts,line=10,title=title%2C with%3A colon::boom%0A::error::forged',
    )
    expect(line.split('\n')).toHaveLength(1)
  })

  it('makes table cells that neither break the row nor inject HTML', () => {
    expect(cell('a | b\nc <img src=x onerror=alert(1)> & d')).toBe(
      'a \\| b c &lt;img src=x onerror=alert(1)&gt; &amp; d',
    )
  })
})

describe('text from tests cannot inject (issue 11)', () => {
  const ESC = '\x1b'

  it('a test named "n\\n::warning::forged" stays one annotation line that starts with our command', () => {
    const report = exampleReport()
    const bug = report.tests.find((t) => t.outcome === 'failed' && t.cause === 'test-bug')!
    bug.name = 'n\n::warning::forged'
    bug.tries!.at(-1)!.errors[0]!.message =
      `boom ${ESC}]8;;http://evil\x07click${ESC}]8;;\x07 ${ESC}[31mred\r::error::x`
    const stdout = captureStream()
    renderGithub({ view: buildView(report), reportDir: dir, stdout, env: {} })
    const lines = stdout.text().trimEnd().split('\n')
    for (const line of lines) expect(line).toMatch(/^::(error|warning) file=/)
    const forged = lines.find((l) => l.includes('forged'))
    expect(forged).toBe(
      `::error file=${bug.file},line=${bug.line},title=Test bug%3A n %3A%3Awarning%3A%3Aforged::boom click red::error::x (rule ${bug.rule})`,
    )
    expect(stdout.text()).not.toContain(ESC)
  })

  it('the job summary holds no escape sequence and no line break from a test', () => {
    const report = exampleReport()
    const bug = report.tests.find((t) => t.outcome === 'failed' && t.cause === 'test-bug')!
    bug.name = `n\n::warning::forged ${ESC}]8;;http://evil\x07x${ESC}]8;;\x07`
    const file = join(dir, 'injected.md')
    renderGithub({
      view: buildView(report),
      reportDir: dir,
      stdout: captureStream(),
      env: { GITHUB_STEP_SUMMARY: file },
    })
    const summary = readFileSync(file, 'utf8')
    expect(summary).not.toContain(ESC)
    expect(summary).not.toContain('http://evil')
    expect(summary).toContain('| n ::warning::forged x |')
    for (const line of summary.split('\n')) expect(line.trimStart().startsWith('::')).toBe(false)
  })

  it('table cells lose control characters', () => {
    expect(cell(`a${ESC}[2Kb\x07c`)).toBe('abc')
  })
})

describe('renderGithub', () => {
  it('annotates test bugs and unrecovered infra as errors, flaky and healed tests as warnings', () => {
    const lines = run(join(dir, 'annotations.md')).trimEnd().split('\n')
    expect(lines.filter((l) => l.startsWith('::error '))).toHaveLength(3)
    expect(lines.filter((l) => l.startsWith('::warning '))).toHaveLength(4)
    expect(lines).toContain(
      '::error file=test/health.test.ts,line=30,title=Infra failure (app)%3A health > reports ready::recovery restart failed: server exited with code 1: Error: listen EADDRINUSE 127.0.0.1:3000 (rule connection-refused)',
    )
    expect(lines).toContain(
      '::warning file=test/search.test.ts,line=80,title=Flaky%3A search > suggests while typing::passed after 2 attempts (rule timeout)',
    )
  })

  it('appends the job summary to $GITHUB_STEP_SUMMARY without touching what other steps wrote', () => {
    const file = join(dir, 'summary.md')
    writeFileSync(file, '# from an earlier step\n')
    run(file)
    const md = readFileSync(file, 'utf8')
    expect(md.startsWith('# from an earlier step\n## vitest-heal: ❌ failed')).toBe(true)
    expect(md).toContain('| ✚ healed | 3 |')
    expect(md).toContain('| db | restart | inline | ok | 0.31 s | 3 |')
    expect(md).toContain(
      '| app | restart | second-pass | failed: server exited with code 1: Error: listen EADDRINUSE 127.0.0.1:3000 | 1.20 s | 1 |',
    )
    for (const title of [
      '### Healed (3)',
      '### Flaky (1)',
      '### Test bugs (2)',
      '### Infra failures, not recovered (1)',
    ])
      expect(md).toContain(title)
    expect(md).not.toContain(XSS_NAME)
    expect(md).toContain('&lt;img src=x onerror=alert(1)&gt;')
  })

  it('prints annotations but writes no file when there is no step summary', () => {
    const stdout = captureStream()
    renderGithub({ view: buildView(exampleReport()), reportDir: dir, stdout, env: {} })
    expect(stdout.text()).toContain('::error ')
  })
})
