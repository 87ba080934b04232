/** The history's small derived files (strategy rates, known-flaky tests), read by runs without opening the store. */
import { renameSync, writeFileSync } from 'node:fs'

/** Written to a temporary name and renamed: a reader never sees half a file. */
export function writeJsonWhole(path: string, value: unknown): void {
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, JSON.stringify(value))
  renameSync(temporary, path)
}
