// The Vitest config Stryker runs (stryker.config.mjs): the project's own, narrowed to the pure core's
// unit tests, so a mutant of src/core counts as killed only when those tests catch it.
import { defineConfig } from 'vitest/config'
import base from './vitest.config.js'

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // Not mergeConfig: it concatenates arrays, and the base include would bring the whole suite back.
    include: ['test/unit/core/**/*.test.ts'],
    // Its time limits are set for the plain code: instrumented, every character of redaction's scan
    // also pays a mutant switch and a coverage count, and the initial run fails on time alone.
    // What it asserts besides time, redact.mutation.test.ts pins with exact outputs.
    exclude: [...(base.test?.exclude ?? []), 'test/unit/core/redact.property.test.ts'],
  },
})
