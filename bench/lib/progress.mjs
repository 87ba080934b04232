/** The generated suites append one byte per test try to a progress file: its size counts executions. */
import { statSync } from 'node:fs'

/** Resolves once `file` holds at least `count` bytes (one per test try), or throws after `timeoutMs`. */
export async function waitForProgress(file, count, timeoutMs = 120_000) {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    if (progressCount(file) >= count) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error(`${file} did not reach ${count} tries in ${timeoutMs} ms`)
}

export function progressCount(file) {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}
