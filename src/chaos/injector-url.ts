/**
 * Where a chaos run sends the tests: the service's URL with its host and port replaced by the fault
 * proxy's. Only the URL handed to the workers changes; the service's own probe and recoveries keep
 * the real address, so they see the service, not the fault.
 */

/** The URL pointing at `proxy`, or undefined when `url` does not name `real` (then nothing is rewritten). */
export function proxiedUrl(
  url: string,
  real: { host: string; port: number },
  proxy: { host: string; port: number },
): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return undefined
  }
  if (Number(parsed.port || defaultPort(parsed.protocol)) !== real.port) return undefined
  if (!sameHost(parsed.hostname, real.host)) return undefined
  // A postgres URL's `?host=/socket/dir` would take the client past the proxy.
  if (parsed.searchParams.has('host')) return undefined
  parsed.hostname = proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host
  parsed.port = String(proxy.port)
  return parsed.href
}

function defaultPort(protocol: string): number | undefined {
  return { 'http:': 80, 'https:': 443, 'postgres:': 5432, 'postgresql:': 5432 }[protocol]
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])

function sameHost(a: string, b: string): boolean {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  return x === y || (LOOPBACK.has(x) && LOOPBACK.has(y))
}
