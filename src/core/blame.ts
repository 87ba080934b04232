/**
 * Which configured service an infra (or flaky) verdict blames. Evidence first, most specific
 * first. A rule that names a service kind (a pg SQLSTATE, a lost WebDriver session) blames a
 * service of that kind: an address in the error picks among them, the test's `needs:<service>`
 * tags settle what stays ambiguous, and an address of another service never outranks the kind
 * (a session lost during `driver.get(<app URL>)` quotes the app's URL before the driver's).
 * Otherwise the first address that names a service decides (host:port or URL), then the kind of
 * client that raised the error (an HTTP client's error with one http service declared), then tags.
 */
import type { ServiceRef } from './types.js'

export interface Address {
  host: string
  port?: number
}

export interface BlameEvidence {
  /** The rule's `service`: a service name, or a kind (`postgres`, `http`, …) whose services come first. */
  family?: string
  /**
   * The kind of service the failing client talks to (`http` for fetch and undici errors): weaker
   * than `family`, it decides only when no address names a service.
   */
  clientKind?: string
  /** Addresses found in the errors, the matched error's first; read lazily, only until one names a service. */
  addresses: Iterable<Address>
  tags?: readonly string[]
}

const DEFAULT_PORTS: Record<string, number> = {
  'http:': 80,
  'https:': 443,
  'ws:': 80,
  'wss:': 443,
  'postgres:': 5432,
  'postgresql:': 5432,
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0', '::', '0:0:0:0:0:0:0:1'])

export function normaliseHost(host: string): string {
  const bare = host.toLowerCase().replace(/^\[|\]$/g, '')
  if (LOOPBACK.has(bare) || bare.startsWith('127.') || bare.endsWith('.localhost')) return 'localhost'
  return bare
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>()]+/gi
/** `connect ECONNREFUSED ::1:5432` quotes IPv6 without brackets: the last colon splits the port. */
const NODE_SYSCALL_ADDRESS = /\b(?:connect|read|write) E[A-Z]+ ([0-9a-fA-F:.]+):(\d{1,5})\b/g
const HOST_PORT =
  /(\[[0-9a-fA-F:]+\]|\b(?:\d{1,3}\.){3}\d{1,3}|\blocalhost|\b[a-zA-Z][a-zA-Z0-9-]*(?:\.[a-zA-Z0-9-]+)+):(\d{1,5})\b/g
const GETADDRINFO = /\bgetaddrinfo E[A-Z_]+ ([a-zA-Z0-9.-]+)/g

function portOf(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined
  const port = Number(text)
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined
}

export function addressFromUrl(url: string): Address | undefined {
  try {
    const parsed = new URL(url)
    if (parsed.hostname === '') return undefined
    return {
      host: normaliseHost(parsed.hostname),
      port: portOf(parsed.port) ?? DEFAULT_PORTS[parsed.protocol],
    }
  } catch {
    return undefined
  }
}

/** Every address a message names, in order of appearance within each pattern family. */
export function addressesInText(text: string): Address[] {
  const found: Address[] = []
  // Cheap guards first: most messages name no address, and the patterns below are the costly part.
  // Stryker disable next-line ConditionalExpression,StringLiteral,BlockStatement: a guard for speed only; no pattern below matches a text without ':' but GETADDRINFO, read either way
  if (!text.includes(':')) {
    // Stryker disable next-line ConditionalExpression,StringLiteral: a guard for speed only; GETADDRINFO matches nothing without it
    if (text.includes('getaddrinfo'))
      for (const match of text.matchAll(GETADDRINFO)) found.push({ host: normaliseHost(match[1]!) })
    return found
  }
  // Stryker disable next-line ConditionalExpression,StringLiteral: a guard for speed only; URL_IN_TEXT matches nothing without '://'
  if (text.includes('://')) {
    for (const match of text.matchAll(URL_IN_TEXT)) {
      const address = addressFromUrl(match[0])
      if (address) found.push(address)
    }
  }
  for (const match of text.matchAll(NODE_SYSCALL_ADDRESS))
    found.push({ host: normaliseHost(match[1]!), port: portOf(match[2]) })
  for (const match of text.matchAll(HOST_PORT))
    found.push({ host: normaliseHost(match[1]!), port: portOf(match[2]) })
  // Stryker disable next-line ConditionalExpression,StringLiteral: a guard for speed only; GETADDRINFO matches nothing without it
  if (text.includes('getaddrinfo'))
    for (const match of text.matchAll(GETADDRINFO)) found.push({ host: normaliseHost(match[1]!) })
  return found
}

const endpointCache = new WeakMap<ServiceRef, Address[]>()

function endpointsOf(service: ServiceRef): Address[] {
  const cached = endpointCache.get(service)
  if (cached) return cached
  const endpoints: Address[] = []
  if (typeof service.url === 'string') {
    const address = addressFromUrl(service.url)
    if (address) endpoints.push(address)
  }
  if (typeof service.host === 'string' || typeof service.port === 'number') {
    endpoints.push({
      host: normaliseHost(typeof service.host === 'string' ? service.host : 'localhost'),
      port: service.port,
    })
  }
  endpointCache.set(service, endpoints)
  return endpoints
}

function sameEndpoint(evidence: Address, endpoint: Address): boolean {
  if (evidence.host !== endpoint.host) return false
  return evidence.port === undefined || endpoint.port === undefined || evidence.port === endpoint.port
}

function needed(tags: readonly string[] | undefined): Set<string> {
  const names = new Set<string>()
  for (const tag of tags ?? [])
    if (typeof tag === 'string' && tag.startsWith('needs:')) names.add(tag.slice('needs:'.length))
  return names
}

/** One candidate left → its name; several → let the tags choose; still several or none → undefined. */
function settle(candidates: readonly ServiceRef[], tags: readonly string[] | undefined): string | undefined {
  if (candidates.length === 1) return candidates[0]!.name
  if (candidates.length === 0) return undefined
  const wanted = needed(tags)
  const narrowed = candidates.filter((service) => wanted.has(service.name))
  return narrowed.length === 1 ? narrowed[0]!.name : undefined
}

/** The services at one address: an exact port beats a service whose port is unknown (matches any port). */
function servicesAt(pool: readonly ServiceRef[], address: Address): ServiceRef[] {
  const exact = pool.filter((service) =>
    endpointsOf(service).some((endpoint) => endpoint.port !== undefined && sameEndpoint(address, endpoint)),
  )
  if (exact.length > 0 && address.port !== undefined) return exact
  return pool.filter((service) => endpointsOf(service).some((endpoint) => sameEndpoint(address, endpoint)))
}

/**
 * The first address that names exactly one service of `pool` (tags may narrow several), and
 * whether any address was read at all. Addresses are read lazily, only until one decides.
 */
function byAddress(
  pool: readonly ServiceRef[],
  addresses: Iterable<Address>,
  tags: readonly string[] | undefined,
): { blamed: string | undefined; named: boolean } {
  let named = false
  for (const address of addresses) {
    named = true
    const blamed = settle(servicesAt(pool, address), tags)
    if (blamed !== undefined) return { blamed, named }
  }
  return { blamed: undefined, named }
}

export function blameService(services: readonly ServiceRef[], evidence: BlameEvidence): string | undefined {
  const { family, clientKind, tags } = evidence
  if (family !== undefined && services.some((service) => service.name === family)) return family
  const ofFamily = family === undefined ? [] : services.filter((service) => service.kind === family)
  // The one service of the rule's kind: no address needs reading (they are the costly part).
  if (ofFamily.length === 1) return ofFamily[0]!.name
  if (ofFamily.length > 1) {
    // Several of the kind and nothing to tell them apart: nobody is blamed, and the coordinator
    // checks them all, rather than blaming a service of another kind the text happens to name.
    return byAddress(ofFamily, evidence.addresses, tags).blamed ?? settle(ofFamily, tags)
  }
  const { blamed, named } = byAddress(services, evidence.addresses, tags)
  if (blamed !== undefined) return blamed
  // An HTTP client's error that names no address at all: the one service of that kind. One that
  // names an address no service has points elsewhere (an external API).
  if (clientKind !== undefined && !named) {
    const single = settle(
      services.filter((service) => service.kind === clientKind),
      tags,
    )
    if (single !== undefined) return single
  }
  // A family with no configured service of that kind (pg behind a `tcp` service) leaves the tags to decide.
  const wanted = needed(tags)
  return settle(
    services.filter((service) => wanted.has(service.name)),
    tags,
  )
}
