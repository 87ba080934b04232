// A tiny app run as its own process, so a test can SIGKILL it like a crashed server.
import { createServer } from 'node:http'

const port = Number(process.argv[2])
createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/html' })
  response.end(`<!doctype html><title>app</title><h1 id="app">app pid ${process.pid}</h1>`)
}).listen(port, '127.0.0.1', () => process.stdout.write('listening\n'))
