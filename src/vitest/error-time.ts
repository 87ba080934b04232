/**
 * Every unhandled error gets the time it reached the main process (`vitestHealAt`, epoch ms: a few
 * ms after it was thrown), so the report can tell an error thrown while a service was down — an
 * idle client's `read ECONNRESET` at the instant a database is killed names no address — from one
 * thrown at any other time (core/recovery-evidence.ts serviceDownAt).
 *
 * Why here and not in the worker: a worker listener of its own for `uncaughtException` makes Vitest
 * assume user code handles the error, and it is then never reported (checked on 4.1). Workers hand
 * every unhandled error to `vitest.state.catchError` (4.1 and 5.x), which this wraps.
 */
import type { Vitest } from 'vitest/node'

export const ERROR_TIME_KEY = 'vitestHealAt'

function stamp(value: unknown, at: number): void {
  if (typeof value !== 'object' || value === null || !Object.isExtensible(value)) return
  if (Object.prototype.hasOwnProperty.call(value, ERROR_TIME_KEY)) return
  try {
    // Not enumerable: Vitest's reporters and blobs see the error as it came.
    Object.defineProperty(value, ERROR_TIME_KEY, { value: at, configurable: true, writable: true })
  } catch {
    // A frozen or exotic object: the error goes on without its time.
  }
}

export function stampUnhandledErrors(vitest: Vitest): void {
  const state = vitest.state as unknown as { catchError?: (error: unknown, type: string) => unknown }
  const catchError = state.catchError
  if (typeof catchError !== 'function') return
  state.catchError = function (this: unknown, error: unknown, type: string) {
    stamp(error, Date.now())
    return catchError.call(this, error, type)
  }
}
