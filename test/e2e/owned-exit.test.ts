/**
 * Owned processes are unref'd so they never keep a run alive; a plain script that awaits their
 * death must still be kept alive until it comes (it used to end mid-await with exit code 13).
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'
import { ROOT } from './harness.js'

const run = promisify(execFile)

test('a script that awaits killHard() and destroy() of a real PostgreSQL runs to its end', { timeout: 60_000 }, async () => {
  const server = join(ROOT, 'dist/services/postgres-server.js')
  const script = `
    const { createPostgresServer } = await import(${JSON.stringify(server)})
    const pg = await createPostgresServer({})
    await pg.start()
    await pg.killHard()
    console.log('killed')
    await pg.destroy()
    console.log('destroyed')
  `
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script])
  expect(stdout.trim().split('\n')).toEqual(['killed', 'destroyed'])
})
