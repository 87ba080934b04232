/**
 * Screenshots end to end: a real Vitest run with the heal() plugin whose failing test records a
 * screenshot artifact. Vitest copies it into its attachmentsDir; our reports must carry their own
 * copy inside the report directory, so the directory still shows it once Vitest's copy is gone
 * and after it was moved and merged elsewhere (as CI artifacts are).
 */
import type { SpawnSyncReturns } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunReport } from '../../src/core/report.js'
import { mergeReportDirs } from '../../src/reporters/index.js'
import { captureStream } from './fixtures/example-report.js'
import { fixtureProject, runFixtureVitest } from './run-fixture.js'

const here = dirname(fileURLToPath(import.meta.url))
const screenshot = readFileSync(join(here, 'fixtures/example/screenshots/users-greeting.png'))
const dir = mkdtempSync(join(tmpdir(), 'heal-attachments-'))
const reportDir = join(dir, 'report')
const vitestAttachments = join(dir, 'vitest-attachments')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let run: SpawnSyncReturns<string>
let report: RunReport

beforeAll(() => {
  run = runFixtureVitest(fixtureProject('attachments'), {
    HEAL_REPORT_DIR: reportDir,
    HEAL_ATTACHMENTS_DIR: vitestAttachments,
    GITHUB_ACTIONS: '',
  })
  report = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')) as RunReport
}, 90_000)

const inlined = `data:image/png;base64,${screenshot.toString('base64')}`

describe('a screenshot a test attached', () => {
  it('is copied from Vitest’s attachmentsDir into the report directory, and report.json points at the copy', () => {
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(1)
    expect(readdirSync(vitestAttachments)).toHaveLength(2)
    const attachments = report.tests[0]?.attachments
    expect(attachments).toEqual([
      {
        name: 'greeting.png',
        path: expect.stringMatching(/^attachments\/[^/]+\.png$/),
        contentType: 'image/png',
      },
    ])
    expect(readFileSync(join(reportDir, attachments![0]!.path)).equals(screenshot)).toBe(true)
  })

  it('is collected from context.annotate(…, attachment) too', () => {
    const annotated = report.tests.find((t) => t.name === 'annotated with a file')
    expect(annotated?.attachments).toEqual([
      {
        name: 'fixture:page',
        path: expect.stringMatching(/^attachments\/[^/]+\.png$/),
        contentType: 'image/png',
      },
    ])
    expect(readFileSync(join(reportDir, annotated!.attachments![0]!.path)).equals(screenshot)).toBe(true)
  })

  it('is inlined in index.html and named by absolute path in junit.xml', () => {
    expect(readFileSync(join(reportDir, 'index.html'), 'utf8')).toContain(inlined)
    const path = join(reportDir, report.tests[0]!.attachments![0]!.path)
    expect(readFileSync(join(reportDir, 'junit.xml'), 'utf8')).toContain(`[[ATTACHMENT|${path}]]`)
  })

  it('travels with the report directory: moved, with Vitest’s copy gone, and merged, it still shows', () => {
    rmSync(vitestAttachments, { recursive: true })
    // As CI does: the shard's report directory uploaded, then downloaded somewhere else.
    const downloaded = join(dir, 'downloaded', 'shard-1')
    mkdirSync(dirname(downloaded))
    renameSync(reportDir, downloaded)
    const out = join(dir, 'merged')
    const merged = mergeReportDirs([downloaded], out, {
      reporters: ['json', 'html'],
      stdout: captureStream(),
    })
    expect(merged.exitCode).toBe(1)
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain(inlined)
    const written = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport
    expect(written.tests[0]!.attachments![0]!.path).toMatch(/^attachments\/[^/]+\.png$/)
    expect(readFileSync(join(out, written.tests[0]!.attachments![0]!.path)).equals(screenshot)).toBe(true)
  })
})
