/** `report.json`: the redacted RunReport, for tools and for `vitest-heal merge`. */
import { join } from 'node:path'
import type { RunReport } from '../core/report.js'
import type { RenderContext } from './context.js'
import { writeChunks } from './file-sink.js'

export const JSON_FILE = 'report.json'

/**
 * The report as JSON, one test at a time so a large run is never one giant string. Not indented:
 * on a large run indentation adds a third to the size and the time; `jq .` reads it.
 */
export function* jsonChunks(report: RunReport): Generator<string> {
  const { tests, ...rest } = report
  const head = JSON.stringify(rest)
  yield `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"tests":[`
  for (let i = 0; i < tests.length; i++) yield (i > 0 ? ',' : '') + JSON.stringify(tests[i])
  yield ']}\n'
}

export function renderJson({ view, reportDir }: RenderContext): void {
  writeChunks(join(reportDir, JSON_FILE), jsonChunks(view.report))
}
