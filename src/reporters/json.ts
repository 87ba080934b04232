/** `report.json`: the redacted RunReport, for tools and for `vitest-heal merge`. */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RenderContext } from './context.js'

export const JSON_FILE = 'report.json'

export function renderJson({ view, reportDir }: RenderContext): void {
  // Not indented: on a large run indentation adds a third to the size and the time; `jq .` reads it.
  writeFileSync(join(reportDir, JSON_FILE), `${JSON.stringify(view.report)}\n`)
}
