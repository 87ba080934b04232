/**
 * The control channel between workers (threads or child processes) and the main process: a unix
 * domain socket in a fresh 0700 directory, so only the run's own user can reach it and no TCP port
 * is opened. Newline-delimited JSON; each line is `{ id, message }` one way and `{ id, reply }` or
 * `{ id, error }` the other, so one connection carries many requests at once.
 */
import { rmSync } from 'node:fs'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { createConnection, createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { redactSecrets } from '../core/redact.js'
import { HealError } from '../errors.js'
import { onAbruptExit } from '../services/abrupt-exit.js'
import { parseRequest, type ChannelHandler, type ChannelRequest, type ReplyTo } from './messages.js'

/** One line longer than this is not a message of ours: the connection is dropped. */
const MAX_LINE = 1_000_000

export interface ChannelServer {
  /** The socket's path, handed to workers (e.g. through `project.provide`). */
  readonly path: string
  close(): Promise<void>
}

interface Envelope {
  id: number | null
  reply?: unknown
  error?: string
  code?: string
}

function send(socket: Socket, envelope: Envelope): void {
  if (!socket.destroyed) socket.write(`${JSON.stringify(envelope)}\n`)
}

function dispatch(handler: ChannelHandler, request: ChannelRequest): Promise<unknown> {
  switch (request.type) {
    case 'heal':
      return handler.heal(request)
    case 'wait-healthy':
      return handler.waitHealthy(request)
    case 'status':
      return handler.status(request)
    case 'chaos-point':
      return handler.chaosPoint?.(request) ?? Promise.resolve({ ok: true, faults: [] })
  }
}

async function answer(handler: ChannelHandler, socket: Socket, line: string): Promise<void> {
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch {
    return send(socket, { id: null, error: 'malformed line: not JSON' })
  }
  const envelope = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>
  const id = Number.isSafeInteger(envelope.id) ? (envelope.id as number) : null
  if (id === null) return send(socket, { id: null, error: 'malformed line: no integer id' })
  const request = parseRequest(envelope.message)
  if ('invalid' in request) return send(socket, { id, error: `invalid message: ${request.invalid}` })
  try {
    send(socket, { id, reply: await dispatch(handler, request) })
  } catch (error) {
    const e = error as { message?: unknown; code?: unknown }
    send(socket, {
      id,
      error: redactSecrets(String(e?.message ?? error)),
      ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    })
  }
}

/** Calls `onLine` for each complete line; false once the peer sent more than a line may hold. */
function lineReader(onLine: (line: string) => void): (chunk: string) => boolean {
  let buffer = ''
  return (chunk) => {
    buffer += chunk
    let newline = buffer.indexOf('\n')
    while (newline !== -1) {
      const line = buffer.slice(0, newline).trim()
      buffer = buffer.slice(newline + 1)
      if (line !== '') onLine(line)
      newline = buffer.indexOf('\n')
    }
    return buffer.length <= MAX_LINE
  }
}

export async function createChannelServer(handler: ChannelHandler): Promise<ChannelServer> {
  const dir = await mkdtemp(join(tmpdir(), 'vitest-heal-'))
  // A run ended by a signal or process.exit() never reaches close(): the socket and its directory
  // would stay in /tmp for ever, one per run.
  const forgetDir = onAbruptExit('cleanup', () => rmSync(dir, { recursive: true, force: true }))
  // mkdtemp already makes it 0700; said again so no umask or platform default can widen it.
  await chmod(dir, 0o700)
  const path = join(dir, 'control.sock')
  const sockets = new Set<Socket>()

  const server = createServer((socket) => {
    sockets.add(socket)
    socket.setEncoding('utf8')
    const read = lineReader((line) => void answer(handler, socket, line))
    socket.on('data', (chunk: string) => {
      if (read(chunk)) return
      send(socket, { id: null, error: `malformed line: longer than ${MAX_LINE} bytes` })
      socket.end()
    })
    // A worker that dies mid-request resets its end: that is its business, not a crash of ours.
    socket.on('error', () => socket.destroy())
    socket.on('close', () => sockets.delete(socket))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => resolve())
  })
  await chmod(path, 0o600)

  return {
    path,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      await closed
      await rm(dir, { recursive: true, force: true })
      forgetDir()
    },
  }
}

export interface ChannelClient {
  /** Rejects with a HealError when no reply comes within `timeoutMs` or the main process answers with an error. */
  request<R extends ChannelRequest>(message: R, timeoutMs: number): Promise<ReplyTo<R>>
  close(): void
}

interface Pending {
  line: string
  /** The connection it was written to: only a drop of that one concerns it. */
  socket: Socket
  resent: boolean
  timer: ReturnType<typeof setTimeout>
  resolve(reply: unknown): void
  reject(error: Error): void
}

function channelError(message: string): HealError {
  return new HealError('E_RECOVERY_FAILED', `vitest-heal control channel: ${redactSecrets(message)}`)
}

/**
 * Connects lazily, on the first request. When the connection drops with requests in flight, they
 * are sent once more on a fresh connection (a heal asked twice joins the same recovery in the main
 * process); a second drop fails them.
 */
export function connectChannel(path: string): ChannelClient {
  const pending = new Map<number, Pending>()
  let socket: Socket | undefined
  let nextId = 1
  let closed = false

  function settle(id: number): Pending | undefined {
    const entry = pending.get(id)
    if (!entry) return undefined
    clearTimeout(entry.timer)
    pending.delete(id)
    // An idle channel must not keep a worker alive.
    if (pending.size === 0) socket?.unref()
    return entry
  }

  function onReply(line: string): void {
    let envelope: Envelope
    try {
      envelope = JSON.parse(line) as Envelope
    } catch {
      return
    }
    if (typeof envelope.id !== 'number') return
    const entry = settle(envelope.id)
    if (!entry) return
    if (envelope.error !== undefined) {
      entry.reject(channelError(envelope.code ? `${envelope.error} (${envelope.code})` : envelope.error))
    } else {
      entry.resolve(envelope.reply)
    }
  }

  function onDrop(dropped: Socket, reason: string): void {
    if (socket === dropped) socket = undefined
    for (const [id, entry] of pending) {
      if (entry.socket !== dropped) continue
      if (entry.resent || closed) {
        settle(id)?.reject(channelError(`connection lost (${reason})`))
        continue
      }
      entry.resent = true
      entry.socket = open()
      entry.socket.write(entry.line)
    }
  }

  function open(): Socket {
    if (socket && !socket.destroyed) return socket
    const fresh = createConnection(path)
    let reason = 'closed'
    fresh.setEncoding('utf8')
    const read = lineReader(onReply)
    fresh.on('data', (chunk: string) => {
      if (!read(chunk)) fresh.destroy()
    })
    fresh.on('error', (error: NodeJS.ErrnoException) => (reason = error.code ?? error.message))
    fresh.on('close', () => onDrop(fresh, reason))
    socket = fresh
    return fresh
  }

  return {
    request<R extends ChannelRequest>(message: R, timeoutMs: number): Promise<ReplyTo<R>> {
      if (closed) return Promise.reject(channelError('closed'))
      const id = nextId++
      const line = `${JSON.stringify({ id, message })}\n`
      return new Promise<ReplyTo<R>>((resolve, reject) => {
        const timer = setTimeout(() => {
          settle(id)?.reject(channelError(`no reply to ${message.type} within ${timeoutMs} ms`))
        }, timeoutMs)
        const target = open()
        pending.set(id, {
          line,
          socket: target,
          resent: false,
          timer,
          resolve: resolve as (r: unknown) => void,
          reject,
        })
        target.ref()
        target.write(line)
      })
    },
    close() {
      closed = true
      for (const id of [...pending.keys()]) settle(id)?.reject(channelError('closed'))
      socket?.destroy()
      socket = undefined
    },
  }
}
