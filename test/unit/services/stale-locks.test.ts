import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { removeStaleLockFiles } from '../../../src/services/postgres-server.js'
import { isProcessAlive, readProcStat } from '../../../src/services/proc.js'

describe('removeStaleLockFiles', () => {
  let dir: string
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  function locks(pid: number): { pidFile: string; socketLock: string } {
    dir = mkdtempSync(join(tmpdir(), 'vitest-heal-locks-'))
    const pidFile = join(dir, 'postmaster.pid')
    const socketLock = join(dir, '.s.PGSQL.5999.lock')
    writeFileSync(pidFile, `${pid}\n/data\n`)
    writeFileSync(socketLock, `${pid}\n`)
    return { pidFile, socketLock }
  }

  it('keeps lock files whose process is alive', () => {
    const { pidFile, socketLock } = locks(process.pid)
    expect(removeStaleLockFiles(dir, dir, 5999)).toEqual([])
    expect(existsSync(pidFile) && existsSync(socketLock)).toBe(true)
  })

  it('removes lock files whose process is gone', () => {
    const { pidFile, socketLock } = locks(2 ** 22 + 1)
    expect(removeStaleLockFiles(dir, dir, 5999)).toEqual([pidFile, socketLock])
  })

  it('removes lock files whose process is a zombie (kill -0 would call it alive)', async () => {
    // A child that exits while we hold off reaping it: Node reaps on the event loop, so block it.
    const child = spawn('sh', ['-c', 'exit 0'])
    const pid = child.pid as number
    const deadline = Date.now() + 2_000
    while (readProcStat(pid)?.state !== 'Z' && Date.now() < deadline) {
      // Busy-wait on purpose: yielding would let Node reap the zombie.
    }
    expect(readProcStat(pid)?.state).toBe('Z')
    expect(isProcessAlive(pid)).toBe(false)
    const { pidFile, socketLock } = locks(pid)
    expect(removeStaleLockFiles(dir, dir, 5999)).toEqual([pidFile, socketLock])
    await new Promise((resolve) => child.once('exit', resolve))
  })
})
