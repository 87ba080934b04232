/**
 * The suite of bench/overhead: passing unit tests that need no service, and two configs that differ
 * only in the plugin. With it, the plugin watches one healthy service (a `service({ check })` that
 * says healthy), so pre-flight, the worker runner's per-test hooks and the reports all run.
 */
import { pad, writeSuite } from './generated.mjs'

export const WITH_PLUGIN = 'vitest.heal.config.ts'
export const WITHOUT_PLUGIN = 'vitest.plain.config.ts'

const TEST_OPTIONS = `{ include: ['test/**/*.test.ts'] }`

const HEAL_CONFIG = `import { defineConfig } from 'vitest/config'
import { heal, service } from 'vitest-heal'

export default defineConfig({
  plugins: [heal({ services: { app: service({ name: 'always healthy', check: () => true }) } })],
  test: ${TEST_OPTIONS},
})
`

const PLAIN_CONFIG = `import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: ${TEST_OPTIONS},
})
`

/** A small but real unit test: some work, then assertions on its result. */
function testFile(index, testsPerFile) {
  return `import { describe, expect, test } from 'vitest'

function wordCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>()
  for (const word of text.toLowerCase().split(/\\W+/).filter(Boolean)) counts.set(word, (counts.get(word) ?? 0) + 1)
  return counts
}

describe('module ${index}', () => {
  for (let i = 0; i < ${testsPerFile}; i++) {
    test(\`counts words, case \${i}\`, () => {
      const text = 'alpha beta Gamma alpha '.repeat(i + 1) + 'delta'
      const counts = wordCounts(text)
      expect(counts.get('alpha')).toBe(2 * (i + 1))
      expect(counts.get('gamma')).toBe(i + 1)
      expect(counts.get('delta')).toBe(1)
    })
  }
})
`
}

/** `name`: the suite's directory under bench/.generated, so two benchmarks never share one. */
export async function generateOverheadSuite({ files, testsPerFile, name = 'overhead' }) {
  const sources = { [WITH_PLUGIN]: HEAL_CONFIG, [WITHOUT_PLUGIN]: PLAIN_CONFIG }
  for (let i = 0; i < files; i++) sources[`test/module-${pad(i)}.test.ts`] = testFile(i, testsPerFile)
  return writeSuite(name, sources)
}
