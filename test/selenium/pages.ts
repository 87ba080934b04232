/**
 * Pages built to need one healing strategy each, served by a real node:http server on 127.0.0.1.
 * Each page counts what was clicked in `window.clicks`, so a test can prove that healing clicked the
 * element it was asked to, once, and nothing else.
 */
import { createServer, type Server } from 'node:http'

const layout = (body: string, script = ''): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>heal</title>
<style>body{margin:0;font:16px sans-serif} button{font-size:16px}</style>
<script>window.clicks = {}; function count(name){ window.clicks[name] = (window.clicks[name] || 0) + 1 }</script>
</head><body>${body}<script>${script}</script></body></html>`

export const PAGES: Record<string, string> = {
  /** element_not_found → wait-for-element: the button is added 700 ms after load. */
  '/late': layout(
    '<main id="main"></main>',
    `setTimeout(() => { document.getElementById('main').innerHTML =
      '<button id="late" onclick="count(\\'late\\')">late</button>' }, 700)`,
  ),
  /** stale element → relocate-stale: every click re-renders the button, as a framework would. */
  '/stale': layout(
    '<div id="box"></div><p id="count">0</p>',
    `let n = 0
    function render() { document.getElementById('box').innerHTML = '<button id="inc">add</button>'
      document.getElementById('inc').onclick = () => { count('inc'); n++; document.getElementById('count').textContent = n; render() } }
    render()`,
  ),
  /**
   * click intercepted → wait-for-overlay: a spinner covers the page for 2 s (chromedriver itself
   * retries an intercepted click for about 1 s before it reports it).
   */
  '/overlay': layout(
    `<button id="save" onclick="count('save')">save</button>
     <div id="overlay" onclick="count('overlay')"
       style="position:fixed;inset:0;background:rgba(0,0,0,.3)">loading…</div>`,
    `setTimeout(() => document.getElementById('overlay').remove(), 2_000)`,
  ),
  /** a spinner that never goes: healing must give up without clicking through it. */
  '/overlay-forever': layout(
    `<button id="save" onclick="count('save')">save</button>
     <div id="overlay" onclick="count('overlay')" style="position:fixed;inset:0;background:#0003">loading…</div>`,
  ),
  /** not interactable → wait-until-interactable: the button is hidden for 600 ms. */
  '/hidden': layout(
    `<button id="go" style="display:none" onclick="count('go')">go</button>`,
    `setTimeout(() => { document.getElementById('go').style.display = 'inline' }, 600)`,
  ),
  /** below the fold → scroll-into-view: the item is rendered only once the end of the list is seen. */
  '/lazy': layout(
    `<div style="height:3000px">top</div><div id="sentinel">more…</div><ul id="list"></ul>`,
    `new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !document.getElementById('lazy-item'))
        document.getElementById('list').innerHTML = '<li><button id="lazy-item" onclick="count(\\'lazy\\')">item</button></li>'
    }).observe(document.getElementById('sentinel'))`,
  ),
  /** A page that has none of what a wrong selector asks for. */
  '/missing': layout('<p id="present">present</p>'),
  '/form':
    layout(`<form id="f" onsubmit="event.preventDefault(); document.getElementById('out').textContent = document.getElementById('name').value">
    <input id="name"><button id="send">send</button></form><p id="out"></p>`),
}

/** timeout → double-timeout: this page answers after SLOW_PAGE_MS. */
export const SLOW_PAGE_MS = 1_500

export interface PageServer {
  url: string
  close(): Promise<void>
}

export async function startPages(): Promise<PageServer> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname
    const send = (status: number, html: string): void => {
      response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
      response.end(html)
    }
    if (path === '/slow') {
      setTimeout(() => send(200, layout('<h1 id="slow">slow page</h1>')), SLOW_PAGE_MS)
      return
    }
    const page = PAGES[path]
    send(page ? 200 : 404, page ?? layout('<h1>not found</h1>'))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
