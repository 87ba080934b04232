/**
 * VITEST_HEAL_DEMO_BUG=1: a test with a wrong selector (the button's id is `add`). Healing waits for it,
 * scrolls for it, then gives up: the test fails as a test bug, is not retried, and its screenshot and
 * page source are attached to the report.
 */
import { By } from 'selenium-webdriver'
import { test } from 'vitest-heal/selenium'
import { openItems } from './support/items-page.js'

test.runIf(process.env.VITEST_HEAL_DEMO_BUG === '1')(
  'a wrong selector stays red',
  { tags: ['needs:app', 'needs:browser'] },
  async ({ driver }) => {
    await openItems(driver)
    await driver.findElement(By.id('add-item')).click()
  },
)
