/** Runs one of our TypeScript files in a real child `node` process (see fixtures/ts-hooks.mjs). */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

const register = fileURLToPath(new URL('./fixtures/register-ts.mjs', import.meta.url))

export interface TsChild {
  child: ChildProcess
  /** Resolves when the child has printed `line` on stdout. */
  printed(line: string): Promise<void>
  /** Resolves with all stdout once the child exits 0; rejects with its stderr otherwise. */
  exited: Promise<string>
}

const live = new Set<ChildProcess>()

/** For afterAll: a test that failed half-way must not leave its children behind. */
export function killChildren(): void {
  for (const child of live) child.kill('SIGKILL')
}

export function spawnTs(file: string, args: string[]): TsChild {
  const child = spawn(process.execPath, ['--import', register, file, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  live.add(child)
  child.on('exit', () => live.delete(child))
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    child.stdout.emit('text')
  })
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<string>((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`exit ${code}: ${stderr}`))))
  })
  async function printed(line: string): Promise<void> {
    while (!stdout.split('\n').includes(line)) {
      await Promise.race([once(child.stdout, 'text'), exited])
    }
  }
  return { child, printed, exited }
}
