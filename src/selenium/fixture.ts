/**
 * `import { test } from 'vitest-heal/selenium'`: `test('…', async ({ driver }) => …)` gives a healed
 * WebDriver on Chromium. One session per file by default (`seleniumSession: 'test'` for one per test),
 * replaced when it died. Inside a healed run (the vitest-heal plugin) a page whose app is down and a
 * WebDriver that died are healed through the coordinator (run-link.ts); a page load healed that way
 * is noted in `meta.vitestHealInline`, so the report calls the test `healed` (inline-heals.ts). A
 * failed test gets its screenshot and page source recorded as an artifact
 * (`vitest-heal:selenium-failure`), and its healing attempts in `meta.seleniumHealing`.
 *
 * Artifacts, not `context.annotate`: by the time a fixture's teardown runs the test is already marked
 * failed, and Vitest (4.1 and 5.x) refuses annotations then; `recordArtifact` accepts them. Vitest
 * copies path attachments into its `attachmentsDir` (`.vitest-attachments`), where its HTML report
 * and ours find them, so our own files are temporary unless VITEST_HEAL_ATTACHMENTS_DIR asks to keep them.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { WebDriver } from 'selenium-webdriver'
import { recordArtifact, test as base, type RunnerTestCase } from 'vitest'
import { BrowserPool } from './browser-pool.js'
import { attachmentsDir, captureEvidence, fileStem } from './failure-evidence.js'
import { healDriver, type HealDriverOptions, type HealedDriver } from './heal-driver.js'
import { InlineHeals } from './inline-heals.js'
import { linkToRun } from './run-link.js'
import type { HealAttempt } from './strategies.js'

export const FAILURE_ARTIFACT_TYPE = 'vitest-heal:selenium-failure'

export interface SeleniumFailureArtifact {
  type: typeof FAILURE_ARTIFACT_TYPE
  message: string
  attachments: { name: string; path: string; contentType: string }[]
}

declare module 'vitest' {
  interface TaskMeta {
    /** Healing attempts the test's driver made (kept also when it passed). */
    seleniumHealing?: HealAttempt[]
  }
  interface TestArtifactRegistry {
    'vitest-heal:selenium-failure': SeleniumFailureArtifact
  }
}

export interface SeleniumFixtures {
  /** A healed WebDriver on Chromium. */
  driver: HealedDriver
  /** `file` (default): one session shared by the file's tests; `test`: a fresh session per test. */
  seleniumSession: 'file' | 'test'
  /** Options for `healDriver` (onInfra, timeouts, strategies, …). Default `{}`. */
  seleniumHeal: HealDriverOptions
  /** The file's browsers; exposed so tests can reach the session behind `driver`. */
  seleniumPool: BrowserPool
}

export const test = base.extend<SeleniumFixtures>({
  seleniumSession: ['file', { injected: true }],
  seleniumHeal: [{}, {}],
  seleniumPool: [
    async ({}, use) => {
      const link = linkToRun()
      const pool = new BrowserPool(
        link ? { onServerDown: (serverUrl, error) => link.healWebDriver(serverUrl, error) } : {},
      )
      try {
        await use(pool)
      } finally {
        await pool.close()
      }
    },
    { scope: 'file' },
  ],
  driver: async ({ seleniumPool, seleniumSession, seleniumHeal, task }, use) => {
    const session = seleniumSession === 'test' ? await seleniumPool.open() : await seleniumPool.shared()
    const inlineHeals = new InlineHeals(task.result?.retryCount ?? 0)
    const driver = healDriver(session.driver, withRunHealing(seleniumHeal, task, inlineHeals))
    try {
      await use(driver)
    } finally {
      const attempts = driver.healing.attempts()
      if (attempts.length > 0) task.meta.seleniumHealing = attempts
      const healed = inlineHeals.failures()
      if (healed.length > 0) task.meta.vitestHealInline = [...(task.meta.vitestHealInline ?? []), ...healed]
      if (task.result?.state === 'fail') await recordFailure(task, session.driver)
      if (seleniumSession === 'test') await seleniumPool.release(session)
    }
  },
})

/**
 * Inside a healed run, a page whose app is down asks the coordinator to heal that app (noted in
 * `inlineHeals` for the report), and the pages of every HTTP service are known by URL; what the
 * test set itself wins.
 */
function withRunHealing(
  options: HealDriverOptions,
  task: RunnerTestCase,
  inlineHeals: InlineHeals,
): HealDriverOptions {
  const link = linkToRun()
  if (!link) return options
  const asking = { filepath: task.file.filepath, name: task.fullName ?? task.name, tags: task.tags ?? [] }
  // heal:off, or not opted in: the run heals nothing for it, inside a try or between tries.
  if (!link.heals(asking)) return options
  const services = { ...link.appServices, ...options.services }
  // The test's own onInfra heals outside the coordinator: nothing the report could vouch for.
  if (options.onInfra) return { ...options, services }
  const onAttempt = options.onAttempt
  return {
    ...options,
    services,
    onInfra: inlineHeals.watch(link.onInfraFor(asking)),
    onAttempt: (attempt) => {
      inlineHeals.attempted(attempt)
      onAttempt?.(attempt)
    },
  }
}

async function recordFailure(task: RunnerTestCase, driver: WebDriver): Promise<void> {
  const keepIn = attachmentsDir()
  const dir = keepIn ?? (await mkdtemp(join(tmpdir(), 'vitest-heal-evidence-')))
  try {
    const evidence = await captureEvidence(driver, dir, fileStem(task.fullName ?? task.name))
    if (evidence.length === 0) return
    await recordArtifact(task, {
      type: FAILURE_ARTIFACT_TYPE,
      message: `browser state at the failure of ${task.name}`,
      attachments: evidence,
    })
  } finally {
    if (!keepIn) await rm(dir, { recursive: true, force: true })
  }
}
