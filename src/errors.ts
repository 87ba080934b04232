/**
 * Our error classes. Every one has a stable `code` so callers (and reporters that only see
 * serialised errors) can match on it instead of on message text.
 */

import { redactSecrets } from './core/redact.js'

export type HealErrorCode =
  | 'E_CONFIG'
  | 'E_COMMAND_NOT_FOUND'
  | 'E_COMMAND_FAILED'
  | 'E_COMMAND_TIMEOUT'
  | 'E_SERVICE_UNHEALTHY'
  | 'E_PREFLIGHT'
  | 'E_CIRCUIT_OPEN'
  | 'E_RECOVERY_FAILED'
  | 'E_NO_POSTGRES'
  /** An optional peer dependency that the entry point used needs is not installed. */
  | 'E_MISSING_DEPENDENCY'
  /** Added to a hook's errors: it failed (timed out) while a service was down; says which and when. */
  | 'E_OUTAGE_OVERLAP'

export class HealError extends Error {
  readonly code: HealErrorCode
  constructor(code: HealErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'HealError'
    this.code = code
  }
}

/**
 * A malformed option. Thrown at config time, before any test runs; `key` is the full option path
 * (`services.db.url`) and the message says what was expected and what was given.
 * A TypeError, like p-retry's option errors, so it reads as a programming mistake.
 */
export class HealConfigError extends TypeError {
  readonly code = 'E_CONFIG' as const
  readonly key: string
  constructor(key: string, expected: string, got: unknown) {
    super(`vitest-heal: ${key}: expected ${expected}, got ${describeValue(got)}`)
    this.name = 'HealConfigError'
    this.key = key
  }
}

/** How a bad value is shown in an error: short, typed, never a secret-bearing URL in full. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value
    return JSON.stringify(redactSecrets(shown))
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value)
  if (typeof value === 'function') return 'a function'
  if (Array.isArray(value)) return `an array of ${value.length}`
  return 'an object'
}
