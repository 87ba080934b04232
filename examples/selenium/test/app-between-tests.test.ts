/**
 * VITEST_HEAL_DEMO_OUTAGE=app-between-tests: the app is SIGKILLed after the first test, while no test
 * uses it. The next test's first step, `driver.get()`, meets `net::ERR_CONNECTION_REFUSED`; the driver
 * asks vitest-heal to restart the app, opens the page again, and the test goes on in the same try.
 * It ends `healed` (blamed on `app`, rule `heal-app-and-reload`), not `passed`: the app had to be
 * restarted under it. With VITEST_HEAL_DEMO_BUG=1 as well, that test then uses a wrong selector and
 * stays red as a test bug. With VITEST_HEAL_DEMO_HEAL_OFF=1 it is tagged `heal:off`: nothing heals
 * the page load, and it fails as infra.
 */
import { By } from 'selenium-webdriver'
import { beforeAll, describe, expect } from 'vitest'
import { test } from 'vitest-heal/selenium'
import { addItem, listedItems, openItems, uniqueName } from './support/items-page.js'
import { crashOnce, demoOutage } from './support/outage.js'

const needs = { tags: ['needs:app', 'needs:db', 'needs:browser'] }
const plantedBug = process.env.VITEST_HEAL_DEMO_BUG === '1'
const afterCrash =
  process.env.VITEST_HEAL_DEMO_HEAL_OFF === '1' ? { tags: [...needs.tags, 'heal:off'] } : needs

describe.runIf(demoOutage() === 'app-between-tests')('the app crashes between two tests', () => {
  test('lists the items while the app is up', needs, async ({ driver }) => {
    await openItems(driver)
    expect(await listedItems(driver)).toBeInstanceOf(Array)
  })

  describe('after the crash', () => {
    // A hook between the two tests: the app dies while no test is using it.
    beforeAll(async () => {
      await crashOnce('app')
    })

    test('opens the page first: the load is healed and the test goes on', afterCrash, async ({ driver }) => {
      await openItems(driver)
      if (plantedBug) await driver.findElement(By.id('add-item')).click()
      const name = uniqueName('after-crash')
      await addItem(driver, name)
      expect(await listedItems(driver)).toContain(name)
    })
  })
})
