import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/e2e/fixtures/**', 'test/e2e/.generated/**', 'test/corpus/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
