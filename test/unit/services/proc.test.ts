/**
 * One reader of the process table for both PostgreSQL's tree and a browser session's: real
 * processes, a shell holding a marker argument with two children of its own.
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { afterEach, expect, test } from 'vitest'
import { killProcessesWithArgument, pidsWithArgument } from '../../../src/selenium/processes.js'
import { commandLine, descendantsOf, isProcessAlive, processTable } from '../../../src/services/proc.js'

const started: number[] = []
afterEach(() => {
  for (const pid of started.splice(0))
    for (const member of [pid, ...descendantsOf(pid)]) {
      try {
        process.kill(member, 'SIGKILL')
      } catch {
        // gone
      }
    }
})

async function shellWithTwoChildren(marker: string): Promise<{ shell: number; children: number[] }> {
  const child = spawn('sh', ['-c', 'sleep 30 & sleep 30 & wait', marker], { stdio: 'ignore' })
  const shell = child.pid!
  started.push(shell)
  for (let i = 0; i < 200 && descendantsOf(shell).length < 2; i++) await new Promise((r) => setTimeout(r, 10))
  return { shell, children: descendantsOf(shell) }
}

test('descendantsOf finds children of one root or of several, from one table, without the roots', async () => {
  const a = await shellWithTwoChildren(`marker-${randomUUID()}`)
  const b = await shellWithTwoChildren(`marker-${randomUUID()}`)
  expect(a.children).toHaveLength(2)
  const table = processTable()
  expect(descendantsOf([a.shell, b.shell], table).sort()).toEqual([...a.children, ...b.children].sort())
  expect(descendantsOf(a.shell, table)).not.toContain(a.shell)
  expect(descendantsOf([], table)).toEqual([])
})

test('commandLine reads argv; pidsWithArgument finds its holder and the holder’s descendants', async () => {
  const marker = `marker-${randomUUID()}`
  const { shell, children } = await shellWithTwoChildren(marker)
  expect(commandLine(shell)).toEqual(['sh', '-c', 'sleep 30 & sleep 30 & wait', marker])
  expect((await pidsWithArgument(marker)).sort()).toEqual([shell, ...children].sort())
  expect(await pidsWithArgument(`${marker}-nobody`)).toEqual([])
  expect(commandLine(2 ** 22 + 1)).toEqual([])

  expect(await killProcessesWithArgument(marker)).toBe(3)
  for (let i = 0; i < 200 && [shell, ...children].some(isProcessAlive); i++)
    await new Promise((r) => setTimeout(r, 10))
  expect([shell, ...children].some(isProcessAlive)).toBe(false)
})
