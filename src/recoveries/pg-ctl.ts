/**
 * `pgCtl(dataDir)`: restarts a PostgreSQL whose data directory is on this machine, the way a crash
 * test needs it: after a SIGKILL the dead postmaster can linger as a zombie, and PostgreSQL's own
 * liveness check succeeds on a zombie, so a plain `pg_ctl start` fails on `postmaster.pid` or on
 * the socket's lock file. This recovery removes those files when their pid is gone or a zombie,
 * then runs `pg_ctl start -w` (no shell) as the data directory's owner, since pg_ctl refuses root.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { HealConfigError, HealError } from '../errors.js'
import { expectOptionsObject, rejectUnknownKeys, stringOption, timeoutOption } from '../services/options.js'
import { findPostgresBinaries, removeStaleLockFiles } from '../services/postgres-server.js'
import { RECOVERY_BRAND, type Recovery, type RecoveryDescriptor } from '../services/types.js'
import { runCommand } from './run-command.js'

export interface PgCtlOptions {
  /** Directory holding pg_ctl. Default: the system's PostgreSQL binaries, as for `postgres({ local: true })`. */
  binDir?: string
  /** Longest run of `pg_ctl start -w`. Default 60 000 ms (crash recovery can take a while). */
  timeout?: number
}

export function pgCtl(dataDir: string, options: PgCtlOptions = {}): RecoveryDescriptor {
  return {
    [RECOVERY_BRAND]: true,
    kind: 'pg_ctl',
    resolve(key): Recovery {
      if (typeof dataDir !== 'string' || dataDir === '')
        throw new HealConfigError(`${key}.dataDir`, 'a data directory path', dataDir)
      const raw = expectOptionsObject(`${key}.options`, options ?? {})
      rejectUnknownKeys(key, raw, ['binDir', 'timeout'])
      const binDir = stringOption(`${key}.binDir`, raw.binDir)
      const timeoutMs = timeoutOption(`${key}.timeout`, raw.timeout, 60_000)
      return {
        strategy: 'pg_ctl',
        description: `pg_ctl -D ${dataDir} start -w`,
        timeoutMs,
        key,
        async verify() {
          if (!existsSync(join(dataDir, 'PG_VERSION'))) {
            throw new HealError(
              'E_COMMAND_NOT_FOUND',
              `${key}: ${dataDir} is not a PostgreSQL data directory`,
            )
          }
          await findPostgresBinaries(binDir)
        },
        async run({ signal, log }) {
          const { pg_ctl } = await findPostgresBinaries(binDir)
          const stale = staleLockLocation(dataDir)
          const removed = removeStaleLockFiles(dataDir, stale.socketDir ?? dataDir, stale.port ?? 5432)
          if (removed.length > 0) log(`removed stale lock files of a dead postmaster: ${removed.join(', ')}`)
          const owner = statSync(dataDir)
          const asOwner = process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {}
          await runCommand(
            // -l: the server's output goes to a file, not to a pipe of ours that it would hold open forever.
            [
              pg_ctl,
              '-D',
              dataDir,
              '-l',
              join(dataDir, 'vitest-heal-pg_ctl.log'),
              '-w',
              '-t',
              String(Math.ceil(timeoutMs / 1000)),
              'start',
            ],
            { timeoutMs: timeoutMs + 5_000, signal, ...asOwner },
          )
        },
      }
    },
  }
}

/** The port and socket directory the last postmaster wrote into postmaster.pid (lines 4 and 5). */
function staleLockLocation(dataDir: string): { port?: number; socketDir?: string } {
  try {
    const lines = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')
    const port = Number.parseInt(lines[3] ?? '', 10)
    const socketDir = (lines[4] ?? '').trim()
    return { ...(Number.isInteger(port) ? { port } : {}), ...(socketDir ? { socketDir } : {}) }
  } catch {
    return {}
  }
}
