/**
 * The worker runner as built: one module. Vitest imports `test.runner` again for every isolated
 * test file, so each module it statically imports is resolved, read and compiled once per file
 * (bench/overhead-instructions). The built runner may import only Vitest and Node's built-ins
 * statically; what a failure needs stays a lazy import of a file beside it.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { init, parse } from 'es-module-lexer'
import { expect, test } from 'vitest'
import { ROOT } from './harness.js'

const RUNNER = join(ROOT, 'dist', 'vitest', 'runner.js')

async function imports(file: string): Promise<{ statics: string[]; dynamics: string[] }> {
  await init
  const [found] = parse(readFileSync(file, 'utf8'))
  // d === -1: a static import or re-export; d > -1: import() with a string literal; -2: import.meta.
  return {
    statics: found.filter((i) => i.d === -1).map((i) => i.n ?? ''),
    dynamics: found.filter((i) => i.d > -1).map((i) => i.n ?? ''),
  }
}

test('the built runner statically imports nothing but vitest and node built-ins', async () => {
  const { statics } = await imports(RUNNER)
  expect(statics.filter((name) => name !== 'vitest' && !name.startsWith('node:'))).toEqual([])
})

test('what only a failure or a glob needs stays lazy, in files beside the runner', async () => {
  const { dynamics } = await imports(RUNNER)
  expect(dynamics.sort()).toEqual(['./claims.js', './runner-failures.js'])
  for (const name of dynamics) expect(existsSync(join(dirname(RUNNER), name)), name).toBe(true)
})

test('the runner is a TestRunner subclass as its default export', async () => {
  const { default: Runner } = (await import(RUNNER)) as { default: unknown }
  const { TestRunner } = await import('vitest')
  expect(typeof Runner).toBe('function')
  expect((Runner as { prototype: unknown }).prototype).toBeInstanceOf(TestRunner)
})
