/**
 * What a failed browser test leaves behind: a screenshot and the page source, written to files so
 * reports can link them. Best effort and bounded: a dead browser yields no evidence, never a hang.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { WebDriver } from 'selenium-webdriver'
import { withTimeout } from './time-limit.js'

export const ATTACHMENTS_DIR_ENV = 'VITEST_HEAL_ATTACHMENTS_DIR'
const CAPTURE_TIMEOUT_MS = 3_000

export interface Evidence {
  name: string
  path: string
  contentType: string
}

/** Where to keep the files; default none: they are written to a temporary directory Vitest copies from. */
export function attachmentsDir(): string | undefined {
  return process.env[ATTACHMENTS_DIR_ENV] || undefined
}

/** `checkout > pays by card` → `checkout-pays-by-card`, safe as a file name. */
export function fileStem(testName: string): string {
  const stem = testName
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
  return `${stem || 'test'}-${Date.now()}`
}

export async function captureEvidence(driver: WebDriver, dir: string, stem: string): Promise<Evidence[]> {
  const [png, html] = await Promise.all([
    bounded(driver.takeScreenshot(), 'takeScreenshot'),
    bounded(driver.getPageSource(), 'getPageSource'),
  ])
  const evidence: Evidence[] = []
  if (png === undefined && html === undefined) return evidence
  await mkdir(dir, { recursive: true })
  if (png !== undefined) {
    const path = join(dir, `${stem}.png`)
    await writeFile(path, png, 'base64')
    evidence.push({ name: 'screenshot', path, contentType: 'image/png' })
  }
  if (html !== undefined) {
    const path = join(dir, `${stem}.html`)
    await writeFile(path, html, 'utf8')
    evidence.push({ name: 'page source', path, contentType: 'text/html' })
  }
  return evidence
}

function bounded<T>(promise: Promise<T>, what: string): Promise<T | undefined> {
  return withTimeout(promise, CAPTURE_TIMEOUT_MS, what).catch(() => undefined)
}
