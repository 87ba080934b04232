import { defineConfig } from 'vitest/config'
import { heal, http, postgres } from 'vitest-heal'

export default defineConfig({
  plugins: [
    heal({
      services: {
        // A throwaway PostgreSQL owned by the plugin: started before the first test, restarted if it dies.
        db: postgres({ local: true, env: 'DATABASE_URL' }),
        // The app, started by the plugin once the database is up (it reads DATABASE_URL), restarted if it dies.
        app: http({ url: 'http://127.0.0.1:3971/health', start: ['node', 'server.js'], env: 'APP_URL' }),
      },
    }),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    // Several workers, as in CI: the crash in test/outage.test.ts lands while the other files run.
    maxWorkers: 3,
  },
})
