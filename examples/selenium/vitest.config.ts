import { defineConfig } from 'vitest/config'
import { heal, http, postgres, webdriver } from 'vitest-heal'

export default defineConfig({
  plugins: [
    heal({
      services: {
        // A throwaway PostgreSQL owned by the plugin: started before the first test, restarted if it dies.
        db: postgres({ local: true, env: 'DATABASE_URL' }),
        // The web app, started once the database is up (it reads DATABASE_URL), restarted if it dies.
        app: http({ url: 'http://127.0.0.1:3973/health', start: ['node', 'server.js'], env: 'APP_URL' }),
        // An owned chromedriver from Debian's chromium-driver: the fixture opens its Chromium sessions
        // on it (VITEST_HEAL_WEBDRIVER_URL), and it is started again if it dies.
        browser: webdriver({ url: 'http://127.0.0.1:9573', start: ['/usr/bin/chromedriver', '--port=9573'] }),
      },
    }),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    // The demo's own: one marker per run for the outage it plants (test/support/demo-run.ts).
    globalSetup: ['test/support/demo-run.ts'],
    // One Chromium per worker: two are plenty on a 2-core CI runner.
    maxWorkers: 2,
    testTimeout: 30_000,
  },
})
