/**
 * Flattens one failure's errors into the list of error nodes the rules look at: every error, its
 * `cause` chain and its `errors` (AggregateError), outermost first. Reporters hand us serialised
 * plain objects, so nothing here relies on `instanceof`, and nothing here may throw: getters can
 * throw, causes can loop, messages can be megabytes long.
 */

/** One error of the chain, its fields read once and made safe to match. */
export interface ErrorNode {
  name: string
  code: string
  /** The message, clipped to `MAX_MESSAGE_CHARS` (head and tail kept: wrappers add text at both ends). */
  message: string
  /** Filled on first use by case-insensitive string matchers. */
  lowerMessage?: string
  /** Node's net errors carry the peer as fields (`address`, `port`); wrappers keep only the text. */
  address: string
  port: number | undefined
  /** 0 for the errors of the test, +1 per `cause` or `errors` hop. */
  depth: number
  /** Position in walk order; the earlier node wins ties. */
  index: number
}

/** Bounds that keep one verdict fast whatever the input; generous for real chains (a handful of nodes). */
export const MAX_NODES = 256
export const MAX_DEPTH = 32
export const MAX_MESSAGE_CHARS = 16_384
const TAIL_CHARS = 4_096

export function readField(value: unknown, key: string): unknown {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined
  try {
    return (value as Record<string, unknown>)[key]
  } catch {
    return undefined
  }
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value)
  return ''
}

export function clipMessage(text: string): string {
  if (text.length <= MAX_MESSAGE_CHARS) return text
  const head = text.slice(0, MAX_MESSAGE_CHARS - TAIL_CHARS)
  return `${head}\n…\n${text.slice(text.length - TAIL_CHARS)}`
}

/** Vitest renames every error in a `cause` chain `Caused by: <name>`; rules match the real name. */
const CAUSE_PREFIX = /^Caused by: /

/** Node net errors carry `address`/`port`; undici's SocketError carries `socket.remoteAddress`/`remotePort`. */
function peerOf(value: unknown): { address: string; port: number | undefined } {
  const address = readField(value, 'address')
  const port = readField(value, 'port')
  if (typeof address === 'string') return { address, port: typeof port === 'number' ? port : undefined }
  const socket = readField(value, 'socket')
  const remoteAddress = readField(socket, 'remoteAddress')
  const remotePort = readField(socket, 'remotePort')
  if (typeof remoteAddress === 'string')
    return { address: remoteAddress, port: typeof remotePort === 'number' ? remotePort : undefined }
  return { address: '', port: undefined }
}

/** A thrown non-object (`throw 'boom'`, `throw 42`) still carries text worth matching. */
function nodeOf(value: unknown, depth: number, index: number): ErrorNode {
  if (typeof value !== 'object' || value === null) {
    return {
      name: '',
      code: '',
      message: clipMessage(asText(value)),
      address: '',
      port: undefined,
      depth,
      index,
    }
  }
  const peer = peerOf(value)
  return {
    name: asText(readField(value, 'name')).replace(CAUSE_PREFIX, ''),
    code: asText(readField(value, 'code')),
    message: clipMessage(asText(readField(value, 'message'))),
    address: peer.address,
    port: peer.port,
    depth,
    index,
  }
}

function childrenOf(value: unknown): unknown[] {
  const children: unknown[] = []
  const cause = readField(value, 'cause')
  if (cause !== undefined && cause !== null) children.push(cause)
  const errors = readField(value, 'errors')
  if (Array.isArray(errors)) {
    try {
      for (let i = 0; i < errors.length && i < MAX_NODES; i++) children.push(errors[i])
    } catch {
      // A hostile array (throwing getter): keep what was read.
    }
  } else if (typeof errors === 'object' && errors !== null) {
    // A wrapper that put one error where a list belongs: it is still evidence.
    children.push(errors)
  }
  return children
}

/** Depth-first, outermost first: the test's errors in order, each followed by its causes and inner errors. */
export function walkErrors(errors: unknown): ErrorNode[] {
  // A lone error handed over where a list belongs is one error, not none.
  const list: readonly unknown[] = Array.isArray(errors) ? errors : errors === undefined ? [] : [errors]
  const nodes: ErrorNode[] = []
  const seen = new Set<unknown>()
  const stack: { value: unknown; depth: number }[] = []
  for (let i = list.length - 1; i >= 0; i--) stack.push({ value: list[i], depth: 0 })
  while (stack.length > 0 && nodes.length < MAX_NODES) {
    const { value, depth } = stack.pop()!
    if (value === undefined || value === null) continue
    if (typeof value === 'object' || typeof value === 'function') {
      if (seen.has(value)) continue
      seen.add(value)
    }
    nodes.push(nodeOf(value, depth, nodes.length))
    if (depth >= MAX_DEPTH) continue
    const children = childrenOf(value)
    for (let i = children.length - 1; i >= 0; i--) stack.push({ value: children[i], depth: depth + 1 })
  }
  return nodes
}

/** `errors` as given: an array, one error, or nothing usable. */
export function errorsOf(failure: unknown): unknown[] {
  const errors = readField(failure, 'errors')
  if (Array.isArray(errors)) return errors
  if (errors === undefined || errors === null) return []
  return [errors]
}
