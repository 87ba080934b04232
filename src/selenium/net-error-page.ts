/**
 * Chromium shows its own error page when a page the browser was sent to (a link, a form post) could
 * not load: the test then fails to find its elements, which would read as a wrong selector. This
 * recognises that page, so the failure is told as what it is: the app behind the page is down.
 */
import type { WebDriver } from 'selenium-webdriver'
import { withTimeout } from './time-limit.js'

const CHECK_TIMEOUT_MS = 2_000

/** `body.neterror` with its `.error-code` (`ERR_CONNECTION_REFUSED`) is Chromium's network error page. */
const READ_NET_ERROR = `
  if (!document.body || !document.body.classList.contains('neterror')) return null;
  const code = document.querySelector('.error-code');
  return code ? code.textContent.trim() : null;`

export class PageUnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly netError: string,
  ) {
    // The `net::ERR_…` text is what the classifier and the category rules recognise a page-load failure by.
    super(`the page ${url} did not load: net::${netError} (the browser shows its network error page)`)
    this.name = 'PageUnreachableError'
  }
}

/** The network error the current page shows instead of the app, or undefined (also when the browser does not answer). */
export async function netErrorOnPage(driver: WebDriver): Promise<PageUnreachableError | undefined> {
  try {
    const code = await withTimeout(
      driver.executeScript<string | null>(READ_NET_ERROR),
      CHECK_TIMEOUT_MS,
      'read error page',
    )
    if (typeof code !== 'string' || !code.startsWith('ERR_')) return undefined
    const url = await withTimeout(driver.getCurrentUrl(), CHECK_TIMEOUT_MS, 'getCurrentUrl')
    return new PageUnreachableError(url, code)
  } catch {
    return undefined
  }
}
