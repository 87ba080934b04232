import { createServer } from 'node:net'

/** A TCP port on 127.0.0.1 that nothing listened on a moment ago (the OS picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() =>
        port > 0 ? resolve(port) : reject(new Error('could not read the port the OS picked')),
      )
    })
  })
}
