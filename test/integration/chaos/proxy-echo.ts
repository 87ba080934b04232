/**
 * Real peers for the fault proxy's tests: a TCP echo server (what it reads it writes back, with
 * backpressure) and a client that sends bytes and collects what comes back.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'

export interface EchoServer {
  port: number
  /** Connections the server accepted so far. */
  accepted: number
  close(): Promise<void>
}

export async function startEchoServer(): Promise<EchoServer> {
  const sockets = new Set<Socket>()
  const state = { accepted: 0 }
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    state.accepted++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    // pipe() pauses the reader when the writer is full: the echo itself never buffers without bound.
    socket.pipe(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address !== 'object') throw new Error('echo server has no port')
  return {
    port: address.port,
    get accepted() {
      return state.accepted
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** Connects to 127.0.0.1:port; rejects with the socket's error (ECONNREFUSED, …). */
export function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true })
    socket.once('error', reject)
    socket.once('connect', () => {
      socket.off('error', reject)
      resolve(socket)
    })
  })
}

/**
 * Writes `chunks` one write each (waiting for drain when asked), ends the socket, and resolves with
 * every byte read until the peer ends, and the arrival time of each read piece.
 */
export async function roundTrip(
  socket: Socket,
  chunks: Buffer[],
  /** Waits this long after each write, so the proxy reads the chunks apart. */
  gapMs = 0,
): Promise<{ data: Buffer; reads: { at: number; length: number }[] }> {
  const received: Buffer[] = []
  const reads: { at: number; length: number }[] = []
  const done = new Promise<void>((resolve, reject) => {
    socket.on('data', (data: Buffer) => {
      received.push(data)
      reads.push({ at: performance.now(), length: data.length })
    })
    socket.once('end', resolve)
    socket.once('error', reject)
  })
  for (const chunk of chunks) {
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve))
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs))
  }
  socket.end()
  await done
  socket.destroy()
  return { data: Buffer.concat(received), reads }
}
