/**
 * Files a test attached (screenshots, page sources) are copied into `<reportDir>/attachments/`
 * before any report is written, and the report's paths point at the copies.
 *
 * Why copy rather than reference: Vitest keeps them in its own `attachmentsDir`
 * (`.vitest-attachments/`, outside the report directory) and may clear it on the next run, and the
 * report directory is what CI uploads and what `vitest-heal merge` reads on another machine. With
 * the copies inside it, the directory is whole on its own: the HTML report inlines the images, the
 * JUnit `[[ATTACHMENT|…]]` lines and report.json name files that travel with it.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { basename, isAbsolute, relative, resolve } from 'node:path'
import type { RunReport, TestReport } from '../core/report.js'

export const ATTACHMENTS_DIR = 'attachments'

type Attachment = NonNullable<TestReport['attachments']>[number]

function isInside(dir: string, file: string): boolean {
  const rel = relative(dir, file)
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)
}

/**
 * The report with every attachment that lives outside `reportDir` copied into it. An attachment
 * that is missing or cannot be copied keeps its path (the HTML report then says it is missing);
 * a failed copy never stops the reports.
 */
export function gatherAttachments(report: RunReport, reportDir: string): RunReport {
  if (!report.tests.some((t) => t.attachments?.length)) return report
  const target = resolve(reportDir, ATTACHMENTS_DIR)
  /** Source file → its name in the attachments folder: the same file attached twice is copied once. */
  const copied = new Map<string, string>()
  const taken = new Set<string>()

  const copy = (source: string): string | undefined => {
    const known = copied.get(source)
    if (known !== undefined) return known
    if (!existsSync(source)) return undefined
    const name = uniqueName(basename(source), taken)
    try {
      mkdirSync(target, { recursive: true })
      copyFileSync(source, resolve(target, name))
    } catch {
      return undefined
    }
    taken.add(name)
    copied.set(source, name)
    return name
  }

  const gather = (attachment: Attachment): Attachment => {
    const source = resolve(reportDir, attachment.path)
    if (isInside(resolve(reportDir), source)) return attachment
    const name = copy(source)
    return name === undefined ? attachment : { ...attachment, path: `${ATTACHMENTS_DIR}/${name}` }
  }

  return {
    ...report,
    tests: report.tests.map((t) =>
      t.attachments?.length ? { ...t, attachments: t.attachments.map(gather) } : t,
    ),
  }
}

/** `shot.png`, then `2-shot.png`, …: two tests' files may share a name (shards, page sources). */
function uniqueName(name: string, taken: ReadonlySet<string>): string {
  let candidate = name
  for (let n = 2; taken.has(candidate); n++) candidate = `${n}-${name}`
  return candidate
}
