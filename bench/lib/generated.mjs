/**
 * Writes a generated suite into bench/.generated/<name>: inside the package, so `import 'vitest-heal'`
 * in its vitest config resolves to this package's build by self-reference.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { PACKAGE_ROOT } from './dist.mjs'

/** @param {Record<string, string>} files path (relative to the suite) → content */
export function writeSuite(name, files) {
  const dir = join(PACKAGE_ROOT, 'bench', '.generated', name)
  rmSync(dir, { recursive: true, force: true })
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  return dir
}

export const pad = (index) => String(index).padStart(3, '0')
