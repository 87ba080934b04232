/**
 * The app's API as the tests use it. A 5xx answer throws with the server's own error text (for
 * example `connect ECONNREFUSED 127.0.0.1:5432` while the database is down), so a failure caused by
 * an outage reads as one, and vitest-heal can blame the right service.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    serverError: string,
  ) {
    super(`the app answered ${status}: ${serverError}`)
    this.name = 'AppError'
  }
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const base = process.env.APP_URL!.replace(/\/health$/, '')
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const json = (await response.json().catch(() => ({}))) as T & { error?: string }
  if (response.status >= 500) throw new AppError(response.status, json.error ?? response.statusText)
  return { status: response.status, body: json }
}
