/**
 * Writes a generated suite into bench/.generated/<name>, inside the package so that the suite's
 * dependencies (vitest, pg) resolve to this package's node_modules, with a copy of the build under
 * measure installed as the suite's own node_modules/vitest-heal.
 *
 * Why a copy rather than the package's self-reference: the suite then loads vitest-heal from a
 * node_modules path, as a user's project does (Vitest externalises it, it does not inline it), and
 * a rebuild of dist/ while a benchmark runs cannot swap the code under measure halfway through.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { DIST, PACKAGE_ROOT } from './dist.mjs'

/** @param {Record<string, string>} files path (relative to the suite) → content */
export async function writeSuite(name, files) {
  const dir = join(PACKAGE_ROOT, 'bench', '.generated', name)
  rmSync(dir, { recursive: true, force: true })
  // Its own package scope: under the package's, `vitest-heal` would resolve to dist/ by self-reference.
  const manifest = { name: `vitest-heal-bench-${name}`, private: true, type: 'module' }
  for (const [path, content] of Object.entries({ 'package.json': JSON.stringify(manifest), ...files })) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  await installBuild(join(dir, 'node_modules', 'vitest-heal'))
  return dir
}

/** Copies the build and the package's manifest; a copy taken mid-rebuild fails to load: take it again. */
async function installBuild(target) {
  const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'))
  for (let attempt = 1; ; attempt++) {
    rmSync(target, { recursive: true, force: true })
    cpSync(DIST, join(target, 'dist'), { recursive: true })
    writeFileSync(join(target, 'package.json'), JSON.stringify(manifest, null, 2))
    try {
      // In a fresh process: this one's module cache would keep a failed load's modules.
      execFileSync(process.execPath, ['-e', `import(${JSON.stringify(join(target, 'dist', 'index.js'))})`], {
        stdio: 'pipe',
      })
      return
    } catch (error) {
      if (attempt === 5)
        throw new Error(
          `the build in ${DIST} does not load: ${String(error.stderr ?? error.message).slice(0, 2000)}`,
        )
      await new Promise((resolve) => setTimeout(resolve, 3_000))
    }
  }
}

export const pad = (index) => String(index).padStart(3, '0')
