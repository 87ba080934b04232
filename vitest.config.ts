import { defineConfig } from 'vitest/config'

// .ci/run sets VITEST_RESULTS to collect each leg's counts for its closing line.
const results = process.env.VITEST_RESULTS

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/e2e/fixtures/**', 'test/e2e/.generated/**', 'test/corpus/**'],
    // Vitest's default on 2 cores is one file at a time; most of our files wait on child processes
    // (a generated project's vitest run, PostgreSQL, Chromium), so three at once keep both cores busy.
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    ...(results ? { reporters: ['default', ['json', { outputFile: results }]] } : {}),
  },
})
