/**
 * The fault proxy: a TCP proxy in front of a service, where a chaos run's network faults happen
 * (Toxiproxy is not installable here, so this is a small Toxiproxy in Node). With no toxic it copies
 * bytes both ways unchanged, with backpressure; toxics (./toxics.ts) delay, cut, throttle, drop or
 * reset them; `disable()` is Toxiproxy's `enabled: false` (the `down` fault).
 */
import { createServer, connect, type Server, type Socket } from 'node:net'
import { Link } from './proxy-link.js'
import {
  actsIn,
  createStage,
  validateToxic,
  type StageContext,
  type ToxicInfo,
  type ToxicKind,
  type ToxicOptions,
  type ToxicParams,
} from './toxics.js'

export type { ToxicInfo, ToxicKind, ToxicOptions, ToxicParams, ToxicStream } from './toxics.js'

export interface FaultProxyOptions {
  /** The service the proxy forwards to. */
  upstream: { host: string; port: number }
  /** Where it listens. Default 127.0.0.1 and a free port (port 0). */
  listen?: { host?: string; port?: number }
  /**
   * Random numbers in [0, 1) for jitter, slicer cuts and toxicity rolls. Default Math.random; a
   * seeded one makes a chaos run's network faults reproducible.
   */
  random?: () => number
}

/** One client connection and its connection to the service. */
export interface ProxyConnection {
  /** 1, 2, … in the order the proxy accepted them. */
  readonly id: number
  /** The client's address and port, as the proxy saw them. */
  readonly client: { address: string; port: number }
  /** Epoch ms it was accepted. */
  readonly openedAt: number
  /** Bytes written to the service (client → service). */
  readonly bytesUp: number
  /** Bytes written to the client (service → client). */
  readonly bytesDown: number
  /** Bytes the proxy holds for it now (queued and in both write buffers): what backpressure bounds. */
  readonly buffered: number
  /** Closes both sides (FIN). */
  close(): void
  /** Resets both sides (TCP RST): each peer sees ECONNRESET. */
  reset(): void
}

export interface FaultProxy {
  /** The address clients connect to. */
  readonly host: string
  readonly port: number
  readonly upstream: { host: string; port: number }
  /** Open connections. */
  readonly connections: number
  /** Bytes written to the service, over every connection so far. */
  readonly bytesUp: number
  /** Bytes written to clients, over every connection so far. */
  readonly bytesDown: number
  /** False between disable() and enable(). */
  readonly enabled: boolean
  /**
   * Adds a toxic to every open connection and every later one; returns its id. Throws a TypeError
   * naming the attribute when the toxic is malformed.
   */
  addToxic<K extends ToxicKind>(kind: K, params: ToxicParams[K], options?: ToxicOptions): string
  /** Removes a toxic from every connection; false when there is no such toxic. */
  removeToxic(id: string): boolean
  /** The active toxics, in the order they act. */
  toxics(): ToxicInfo[]
  /** Toxiproxy's `enabled: false`: refuses new connections (ECONNREFUSED) and closes open ones. */
  disable(): Promise<void>
  /** Listens again on the same address and port. */
  enable(): Promise<void>
  /**
   * Calls `callback` with the connection whenever a client sends bytes, before they go on; when it
   * returns a promise, those bytes (and the connection's later ones) wait until it settles, so a
   * fault can be in place before a query reaches the service. Returns the unsubscribe function.
   */
  onClientData(callback: (connection: ProxyConnection) => unknown): () => void
  /** Closes the listener and every connection. Safe to call twice. */
  close(): Promise<void>
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const port = (value: unknown, min: number): boolean =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= 65_535
  if (typeof options?.upstream?.host !== 'string' || !port(options.upstream.port, 1)) {
    throw new TypeError(
      `startFaultProxy: upstream must be { host: string, port: 1–65535 }, got ${JSON.stringify(options?.upstream)}`,
    )
  }
  if (options.listen?.port !== undefined && !port(options.listen.port, 0)) {
    throw new TypeError(`startFaultProxy: listen.port must be 0–65535, got ${String(options.listen.port)}`)
  }
  const proxy = new TcpFaultProxy(options)
  await proxy.listen()
  return proxy
}

class TcpFaultProxy implements FaultProxy {
  readonly host: string
  port: number
  readonly upstream: { host: string; port: number }
  enabled = true
  private server: Server | undefined
  private readonly open = new Set<Connection>()
  private readonly toxicList: ToxicInfo[] = []
  private readonly hooks = new Set<(connection: ProxyConnection) => unknown>()
  private readonly random: () => number
  private nextConnectionId = 1
  private nextToxicId = 1
  private closedBytesUp = 0
  private closedBytesDown = 0
  private closed = false

  constructor(options: FaultProxyOptions) {
    this.upstream = { host: options.upstream.host, port: options.upstream.port }
    this.host = options.listen?.host ?? '127.0.0.1'
    this.port = options.listen?.port ?? 0
    this.random = options.random ?? Math.random
  }

  get connections(): number {
    return this.open.size
  }
  get bytesUp(): number {
    let sum = this.closedBytesUp
    for (const connection of this.open) sum += connection.bytesUp
    return sum
  }
  get bytesDown(): number {
    let sum = this.closedBytesDown
    for (const connection of this.open) sum += connection.bytesDown
    return sum
  }

  async listen(): Promise<void> {
    const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket))
    // An accept error (EMFILE) must not crash the process that runs the tests.
    server.on('error', () => undefined)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host: this.host, port: this.port }, () => {
        server.off('error', reject)
        resolve()
      })
    })
    const address = server.address()
    if (address && typeof address === 'object') this.port = address.port
    this.server = server
  }

  addToxic<K extends ToxicKind>(kind: K, params: ToxicParams[K], options: ToxicOptions = {}): string {
    validateToxic(kind, params, options)
    const toxic: ToxicInfo = {
      id: `${kind}-${this.nextToxicId++}`,
      kind,
      params: { ...params },
      stream: options.stream ?? 'downstream',
      toxicity: options.toxicity ?? 1,
    }
    this.toxicList.push(toxic)
    for (const connection of this.open) connection.apply(toxic)
    return toxic.id
  }

  removeToxic(id: string): boolean {
    const index = this.toxicList.findIndex((toxic) => toxic.id === id)
    if (index < 0) return false
    this.toxicList.splice(index, 1)
    for (const connection of [...this.open]) connection.unapply(id)
    return true
  }

  toxics(): ToxicInfo[] {
    return this.toxicList.map((toxic) => ({ ...toxic, params: { ...toxic.params } }))
  }

  async disable(): Promise<void> {
    if (!this.enabled) return
    this.enabled = false
    await this.stopListening()
  }

  async enable(): Promise<void> {
    if (this.closed) throw new Error('fault proxy: enable() after close()')
    if (this.enabled) return
    await this.listen()
    this.enabled = true
  }

  onClientData(callback: (connection: ProxyConnection) => unknown): () => void {
    this.hooks.add(callback)
    return () => this.hooks.delete(callback)
  }

  async close(): Promise<void> {
    this.closed = true
    this.enabled = false
    await this.stopListening()
  }

  /** Stops listening (new connections are refused) and closes every open connection. */
  private async stopListening(): Promise<void> {
    const server = this.server
    this.server = undefined
    const stopped = server ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined
    for (const connection of [...this.open]) connection.close()
    await stopped
  }

  private accept(client: Socket): void {
    if (!this.enabled) {
      client.destroy()
      return
    }
    const upstream = connect({ host: this.upstream.host, port: this.upstream.port, allowHalfOpen: true })
    const connection = new Connection(this.nextConnectionId++, client, upstream, {
      random: this.random,
      gate: (c) => this.runHooks(c),
      gone: (c) => {
        if (!this.open.delete(c)) return
        this.closedBytesUp += c.bytesUp
        this.closedBytesDown += c.bytesDown
      },
    })
    this.open.add(connection)
    for (const toxic of this.toxicList) connection.apply(toxic)
  }

  private runHooks(connection: ProxyConnection): Promise<unknown> | undefined {
    if (this.hooks.size === 0) return undefined
    let held: Promise<unknown>[] | undefined
    for (const hook of this.hooks) {
      try {
        const result = hook(connection)
        if (isThenable(result)) (held ??= []).push(Promise.resolve(result))
      } catch {
        // The hook is the injector's: its failure is reported there, never the client's bytes' fate.
      }
    }
    if (!held) return undefined
    return held.length === 1 ? held[0] : Promise.allSettled(held)
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function'
}

interface ConnectionParent {
  random(): number
  gate(connection: Connection): Promise<unknown> | undefined
  gone(connection: Connection): void
}

class Connection implements ProxyConnection {
  readonly openedAt = Date.now()
  readonly client: { address: string; port: number }
  private readonly up: Link
  private readonly down: Link
  private done = false

  constructor(
    readonly id: number,
    private readonly clientSocket: Socket,
    private readonly upstreamSocket: Socket,
    private readonly parent: ConnectionParent,
  ) {
    this.client = { address: clientSocket.remoteAddress ?? '', port: clientSocket.remotePort ?? 0 }
    // Small request/response protocols (pg, HTTP) pay Nagle's delay per round trip otherwise.
    clientSocket.setNoDelay(true)
    upstreamSocket.setNoDelay(true)
    const onError = (error: unknown): void => this.failed(error)
    this.up = new Link('upstream', clientSocket, upstreamSocket, () => parent.gate(this), onError)
    this.down = new Link('downstream', upstreamSocket, clientSocket, undefined, onError)
    for (const [socket, other, link] of [
      [clientSocket, upstreamSocket, this.up],
      [upstreamSocket, clientSocket, this.down],
    ] as const) {
      socket.on('error', onError)
      socket.on('close', () => this.sideClosed(other, link))
    }
  }

  get bytesUp(): number {
    return this.up.delivered
  }
  get bytesDown(): number {
    return this.down.delivered
  }
  get buffered(): number {
    return this.up.buffered + this.down.buffered
  }

  close(): void {
    this.finish(false)
  }

  reset(): void {
    this.finish(true)
  }

  apply(toxic: ToxicInfo): void {
    if (this.done) return
    const context: StageContext = {
      close: () => this.close(),
      reset: () => this.reset(),
      random: this.parent.random,
    }
    for (const link of [this.up, this.down]) {
      // Toxiproxy rolls toxicity once per link, when the toxic reaches it.
      if (actsIn(toxic.stream, link.direction) && this.parent.random() < toxic.toxicity) {
        link.addStage(createStage(toxic, context))
      }
    }
  }

  unapply(toxicId: string): void {
    this.up.removeStage(toxicId)
    this.down.removeStage(toxicId)
  }

  /**
   * A peer's reset is passed on as a reset, so the other peer sees what it would see without the
   * proxy; any other error (EPIPE, a refused upstream connection) closes both sides.
   */
  private failed(error: unknown): void {
    this.finish((error as { code?: unknown } | undefined)?.code === 'ECONNRESET')
  }

  /**
   * One socket closed cleanly: once every byte it sent has reached the other one, end that one
   * too (nothing can reach the closed socket any more) and let it go.
   */
  private sideClosed(other: Socket, fromClosed: Link): void {
    if (this.done) return
    if (other.destroyed || !fromClosed.ended) {
      this.finish(false)
      return
    }
    fromClosed.whenEnded(() => other.end(() => this.finish(false)))
  }

  private finish(reset: boolean): void {
    if (this.done) return
    this.done = true
    this.up.close()
    this.down.close()
    for (const socket of [this.clientSocket, this.upstreamSocket]) {
      if (reset) resetSocket(socket)
      else socket.destroy()
    }
    this.parent.gone(this)
  }
}

/** `resetAndDestroy()` throws on a socket that is not a connected TCP one: destroy those. */
function resetSocket(socket: Socket): void {
  if (socket.destroyed) return
  try {
    socket.resetAndDestroy()
  } catch {
    socket.destroy()
  }
}
