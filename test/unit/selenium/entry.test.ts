/**
 * `vitest-heal/selenium` runs entry.ts (which names a missing selenium-webdriver) while its types
 * come from index.ts: the two must export the same values. The missing-peer message itself is
 * checked on the packed package, in a project without selenium-webdriver (test/e2e/packed.test.ts).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import * as entry from '../../../src/selenium/entry.js'
import * as index from '../../../src/selenium/index.js'

test('entry.ts exports every value index.ts exports, and nothing else', () => {
  expect(Object.keys(entry).sort()).toEqual(Object.keys(index).sort())
  for (const name of Object.keys(index))
    expect(entry[name as keyof typeof entry]).toBe(index[name as keyof typeof index])
})

test("package.json's ./selenium runs entry.js and types it from index.d.ts", () => {
  const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '../../../package.json'), 'utf8')) as {
    exports: Record<string, { types: string; default: string }>
  }
  expect(manifest.exports['./selenium']).toEqual({
    types: './dist/selenium/index.d.ts',
    default: './dist/selenium/entry.js',
  })
})
