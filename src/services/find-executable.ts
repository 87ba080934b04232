/**
 * Where a command would be found, without running it and without a shell: a path containing a
 * slash is taken as is (relative to `cwd`), a bare name is looked up on PATH.
 */
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, isAbsolute, join, resolve } from 'node:path'

export function findExecutable(
  command: string,
  options: { cwd?: string; path?: string } = {},
): string | undefined {
  const cwd = options.cwd ?? process.cwd()
  if (command.includes('/')) {
    const candidate = isAbsolute(command) ? command : resolve(cwd, command)
    return isExecutableFile(candidate) ? candidate : undefined
  }
  const searchPath = options.path ?? process.env.PATH ?? ''
  for (const dir of searchPath.split(delimiter)) {
    if (dir === '') continue
    const candidate = join(isAbsolute(dir) ? dir : resolve(cwd, dir), command)
    if (isExecutableFile(candidate)) return candidate
  }
  return undefined
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}
