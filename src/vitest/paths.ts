import { existsSync } from 'node:fs'
import { relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Absolute path of a sibling runtime module (global setup, setup file, runner). Built code has
 * `.js` files; the project's own tests run the TypeScript sources, which have `.ts` ones.
 */
export function runtimeModule(name: string): string {
  const js = fileURLToPath(new URL(`./${name}.js`, import.meta.url))
  if (existsSync(js)) return js
  return fileURLToPath(new URL(`./${name}.ts`, import.meta.url))
}

/** `path` relative to `root`, `/`-separated on every platform: how tests and files are named in reports and globs. */
export function relativeFile(root: string, path: string): string {
  return relative(root, path).split(sep).join('/')
}
