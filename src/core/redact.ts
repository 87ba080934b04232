/**
 * Secrets never reach a report: every message, target and error text we print or write passes
 * through `redactSecrets` first.
 */

const MASK = '***'

/** `scheme://user:password@host` → `scheme://user:***@host` (any scheme, anywhere in the text). */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)([^\s@/]+)(@)/gi
/** libpq keyword form and query parameters: `password=secret`, `?password=secret&…`. */
const KEYWORD_PASSWORD = /\b(password|passwd|pwd)(\s*=\s*)('[^']*'|"[^"]*"|[^\s&;'"]+)/gi
/** Environment-style assignments that commonly hold secrets. */
const ENV_SECRET = /\b([A-Z0-9_]*(?:PASSWORD|SECRET|TOKEN)[A-Z0-9_]*)=([^\s]+)/g

export function redactSecrets(text: string, extra: readonly RegExp[] = []): string {
  let out = text
    .replace(URL_PASSWORD, `$1${MASK}$3`)
    .replace(KEYWORD_PASSWORD, `$1$2${MASK}`)
    .replace(ENV_SECRET, `$1=${MASK}`)
  for (const pattern of extra) {
    const global = pattern.global ? pattern : new RegExp(pattern.source, `${pattern.flags}g`)
    out = out.replace(global, MASK)
  }
  return out
}
