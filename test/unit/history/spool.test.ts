import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { eventsFromReport } from '../../../src/history/events.js'
import { appendToSpool, readSpool, removeSpoolFile } from '../../../src/history/spool.js'
import { greenReport } from './reports.js'

let dir: string
afterEach(() => rmSync(dir, { recursive: true, force: true }))

test('a run is one file written whole; a half-written temporary file (a killed writer) is never read', () => {
  dir = mkdtempSync(join(tmpdir(), 'heal-spool-'))
  const events = eventsFromReport(greenReport('2026-11-01T10:00:00.000Z'), {
    runId: 'b',
    ci: { provider: 'local' },
  })
  appendToSpool(dir, 'b', events)
  appendToSpool(dir, 'a', events)
  writeFileSync(join(dir, '.c.123.tmp'), '{"type":"run","id":"c/r')
  expect(readSpool(dir).map((f) => f.path)).toEqual([join(dir, 'a.jsonl'), join(dir, 'b.jsonl')])
  expect(readSpool(dir)[1]!.events).toEqual(events)
  removeSpoolFile(join(dir, 'a.jsonl'))
  removeSpoolFile(join(dir, 'a.jsonl'))
  expect(readdirSync(dir).sort()).toEqual(['.c.123.tmp', 'b.jsonl'])
})

test('a line that does not parse is skipped, the rest of the file still counts; no spool is no events', () => {
  dir = mkdtempSync(join(tmpdir(), 'heal-spool-'))
  writeFileSync(join(dir, 'x.jsonl'), '{"type":"run","id":"x/run"}\nnot json\n{"id":1}\n')
  expect(readSpool(dir)[0]!.events).toEqual([{ type: 'run', id: 'x/run' }])
  expect(readSpool(join(dir, 'missing'))).toEqual([])
})
