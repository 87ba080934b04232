// Mutation testing of src/core against its own unit tests (issue 11): `npm run mutation`.
// While working on one file: `npm run mutation -- --mutate src/core/redact.ts`.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  // Only the pure core's tests: they run in seconds, and a mutant in src/core must be caught there,
  // not by an e2e run that happens to cover it.
  vitest: { configFile: 'stryker.vitest.config.ts' },
  // A mutant that does not compile is not a test gap; the checker drops it before any test runs.
  checkers: ['typescript'],
  // Only src/core: checking the whole project per mutant made the checker, not the tests, the slow part.
  tsconfigFile: 'tsconfig.mutation.json',
  mutate: ['src/core/**/*.ts', '!src/core/types.ts'],
  // Never mutate in place: other engineers work in this tree. The sandbox needs only what the core
  // tests read (src, test/unit/core, test/corpus, docs/classification.md).
  ignorePatterns: [
    'dist',
    'examples',
    'bench',
    'docs/*',
    '!docs/classification.md',
    'test/e2e',
    'test/reporters',
    'test/selenium',
    'test/integration',
    'reports',
    '.vitest-heal',
    '.vitest',
  ],
  // The machine has 2 cores shared by several engineers.
  concurrency: 1,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // 90: the bar issue 11 sets for every core file that decides a verdict or hides a secret.
  thresholds: { high: 90, low: 80, break: null },
}
