/**
 * The built package the benchmarks measure: ../../dist, or HEAL_DIST=<dir> for another build of src/.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

export const PACKAGE_ROOT = resolve(new URL('../..', import.meta.url).pathname)
export const DIST = resolve(process.env.HEAL_DIST ?? join(PACKAGE_ROOT, 'dist'))

/** Imports `dist/<path>`; says to build first when the build is missing. */
export async function importDist(path) {
  const file = join(DIST, path)
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`)
  return import(pathToFileURL(file).href)
}
