/**
 * Option checks shared by the service and recovery factories. Each throws a HealConfigError naming
 * the full key (`services.db.startTimeout`) and what was expected, at config time.
 */
import { HealConfigError } from '../errors.js'

export type Options = Record<string, unknown>

export function expectOptionsObject(key: string, value: unknown): Options {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HealConfigError(key, 'an options object', value)
  }
  return value as Options
}

/** `key` is the options' own path (`services.db`); empty for the top level of heal()'s options. */
export function rejectUnknownKeys(key: string, options: Options, known: readonly string[]): void {
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      throw new HealConfigError(
        key ? `${key}.${name}` : name,
        `a known option (${known.join(', ')})`,
        options[name],
      )
    }
  }
}

/** A positive, finite number of milliseconds, or the default when absent. */
export function timeoutOption(key: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new HealConfigError(key, 'a positive number of milliseconds', value)
  }
  return value
}

export function booleanOption(key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new HealConfigError(key, 'true or false', value)
  return value
}

export function stringOption(key: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value === '') throw new HealConfigError(key, 'a non-empty string', value)
  return value
}

/** A command as an argv array: run without a shell, so every item is one argument, verbatim. */
export function argvOption(key: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new HealConfigError(key, 'a non-empty argv array such as ["node", "server.js"]', value)
  }
  value.forEach((item, index) => {
    if (typeof item !== 'string' || (index === 0 && item === '')) {
      throw new HealConfigError(`${key}[${index}]`, index === 0 ? 'a command name' : 'a string', item)
    }
  })
  return [...(value as string[])]
}

export function stringRecordOption(key: string, value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined
  const record = expectOptionsObject(key, value)
  for (const [name, item] of Object.entries(record)) {
    if (typeof item !== 'string') throw new HealConfigError(`${key}.${name}`, 'a string', item)
  }
  return { ...(record as Record<string, string>) }
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

export function envNameOption(key: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !ENV_NAME.test(value)) {
    throw new HealConfigError(key, 'an environment variable name such as DATABASE_URL', value)
  }
  return value
}

export function globsOption(key: string, value: unknown): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw new HealConfigError(key, 'an array of glob strings', value)
  value.forEach((item, index) => {
    if (typeof item !== 'string' || item === '')
      throw new HealConfigError(`${key}[${index}]`, 'a glob string', item)
  })
  return [...(value as string[])]
}

/** A URL with one of `protocols` (`'http:'`, …); `expected` is what the error says was wanted. */
export function urlOption(key: string, value: unknown, protocols: readonly string[], expected: string): URL {
  if (typeof value !== 'string') throw new HealConfigError(key, expected, value)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new HealConfigError(key, expected, value)
  }
  if (!protocols.includes(url.protocol) || url.hostname === '')
    throw new HealConfigError(key, expected, value)
  return url
}

export function portOption(key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65_535) {
    throw new HealConfigError(key, 'a port number from 1 to 65535', value)
  }
  return value
}

/** `new URL()` leaves `port` empty for the scheme's default port: fill it in. */
export function portOfUrl(url: URL): number {
  if (url.port !== '') return Number(url.port)
  return url.protocol === 'https:' ? 443 : 80
}

/** `[::1]` → `::1`: what net.connect and error messages use. */
export function hostOfUrl(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1')
}
