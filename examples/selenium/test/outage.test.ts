/**
 * VITEST_HEAL_DEMO_OUTAGE=db|app|chromedriver: this test crashes that service between loading the page
 * and submitting the form. The try fails as infra, vitest-heal restarts the service, the test runs
 * again and ends `healed`.
 */
import { expect } from 'vitest'
import { test } from 'vitest-heal/selenium'
import { addItem, listedItems, openItems, uniqueName } from './support/items-page.js'
import { crashOnce, outageTarget } from './support/outage.js'

const target = outageTarget()

test.runIf(target !== undefined)(
  `adds an item while ${target ?? 'a service'} crashes`,
  { tags: ['needs:app', 'needs:db', 'needs:browser'] },
  async ({ driver }) => {
    await openItems(driver)
    await crashOnce(target!)
    const name = uniqueName('during-outage')
    await addItem(driver, name)
    expect(await listedItems(driver)).toContain(name)
  },
)
