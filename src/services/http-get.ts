/**
 * One GET with a deadline, on a fresh connection (no keep-alive socket outlives the probe or keeps
 * an owned server from stopping). Redirects are not followed: a 3xx is an answer.
 */
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'

export interface HttpAnswer {
  status: number
  /** At most the first 64 KiB. */
  body: string
}

const MAX_BODY = 64 * 1024

export function httpGet(url: URL, timeoutMs: number): Promise<HttpAnswer> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'GET', agent: false, timeout: timeoutMs, headers: { accept: '*/*' } },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          if (body.length < MAX_BODY) body += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.slice(0, MAX_BODY) }))
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end()
  })
}
