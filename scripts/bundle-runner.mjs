/**
 * Build step after `tsc`: dist/vitest/runner.js and its static imports become one ES module.
 *
 * Why: Vitest isolates test files, so the worker runner (`test.runner`) is imported again for every
 * test file, each time through Vitest's module runner and then Node's loader, which resolves,
 * reads and compiles every module it statically imports. As one file it costs one of each.
 * `vitest` and Node's built-ins stay imports (the worker already has them loaded), and so do the
 * modules the runner imports lazily (runner-failures.js, claims.js): a file whose tests all pass
 * must never load them, and they stay beside it in dist/.
 *
 * rolldown is Vite 8's bundler, installed with Vitest (4.1 and 5.x both bring Vite 8); it runs only
 * here, at build time, never when a user's tests run.
 *
 *   node scripts/bundle-runner.mjs [distDir]     # default: dist
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const dist = resolve(process.argv[2] ?? 'dist')
const entry = join(dist, 'vitest', 'runner.js')

/** Imports that stay imports: Vitest itself, Node's built-ins, and what the runner loads only when it must. */
const LAZY = new Set(['./runner-failures.js', './claims.js'])
const external = (id) => id === 'vitest' || id.startsWith('node:') || LAZY.has(id)

let rolldown
try {
  rolldown = await import('rolldown')
} catch (error) {
  console.error(
    `bundle-runner: rolldown (Vite 8's bundler, installed with Vitest) cannot be loaded: ${error.message}`,
  )
  process.exit(1)
}

const built = await rolldown.build({
  input: entry,
  platform: 'node',
  external,
  // A bundle of modules whose top level only declares: nothing to reorder or drop beyond unused exports.
  output: { file: entry, format: 'esm', sourcemap: true },
  write: true,
  logLevel: 'warn',
})

// The runner must still be what the plugin expects: a default export, and no relative static import left.
const code = readFileSync(entry, 'utf8')
const staticRelative = [...code.matchAll(/^import\s[^;]*?from\s*["'](\.[^"']*)["']/gm)].map((m) => m[1])
if (staticRelative.length > 0 || !/export\s*\{[^}]*\bas default\b/.test(code)) {
  console.error(
    `bundle-runner: ${entry} is not one module with a default export (imports ${staticRelative.join(', ')})`,
  )
  process.exit(1)
}
console.log(`bundle-runner: ${entry} (${built.output[0].code.length} bytes, one module)`)
