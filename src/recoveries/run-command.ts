/**
 * Runs one command to completion: argv without a shell, in its own process group so a timeout
 * kills whatever it forked too, and an error that says how it ended with the tail of its output.
 */
import { redactSecrets } from '../core/redact.js'
import { HealError } from '../errors.js'
import { OwnedProcess } from '../services/owned-process.js'
import { RECOVERY_TIMED_OUT } from '../services/types.js'

export interface RunCommandOptions {
  timeoutMs: number
  cwd?: string
  env?: Record<string, string>
  signal?: AbortSignal
  /** Run as this user and group. */
  uid?: number
  gid?: number
}

export async function runCommand(argv: readonly string[], options: RunCommandOptions): Promise<void> {
  const child = new OwnedProcess({
    argv,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  })
  const shown = child.describe()
  await child.start()
  const exited = child.exited()
  let timer: NodeJS.Timeout | undefined
  const cutOff = new Promise<'timeout' | 'aborted'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs)
    if (options.signal?.aborted) resolve('aborted')
    options.signal?.addEventListener('abort', () => resolve('aborted'), { once: true })
  })
  const first = await Promise.race([exited, cutOff])
  clearTimeout(timer)
  if (first === 'timeout' || first === 'aborted') {
    const timedOut = first === 'timeout' || options.signal?.reason === RECOVERY_TIMED_OUT
    child.kill('SIGKILL')
    await exited
    const why = timedOut ? `did not finish within ${options.timeoutMs} ms` : 'was cancelled'
    throw new HealError('E_COMMAND_TIMEOUT', `${shown} ${why}; killed it${outputSuffix(child)}`)
  }
  if (first?.code === 0) return
  const how = first?.signal ? `was killed by ${first.signal}` : `exited with code ${first?.code}`
  throw new HealError('E_COMMAND_FAILED', `${shown} ${how}${outputSuffix(child)}`)
}

function outputSuffix(child: OwnedProcess): string {
  const tail = child.logTail(5).trim()
  return tail === '' ? '' : `; output ends with: ${redactSecrets(tail)}`
}
