/**
 * Global setup of the demo: one crash marker per run. The outage test crashes its target once per
 * run, whichever worker gets there first, and a retry must find the service up: the marker says
 * the crash happened. Named by a random id, not a pid (a pid is reused, and a stale marker from an
 * earlier run would skip the crash), and removed when the run ends.
 */
import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  interface ProvidedContext {
    demoCrashMarker: string
  }
}

export default function setup(project: TestProject): () => void {
  const marker = join(tmpdir(), `vitest-heal-demo-outage-${randomUUID()}`)
  project.provide('demoCrashMarker', marker)
  return () => rmSync(marker, { force: true })
}
