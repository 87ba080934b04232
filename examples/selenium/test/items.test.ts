import { expect } from 'vitest'
import { test } from 'vitest-heal/selenium'
import { addItem, listedItems, openItems, uniqueName } from './support/items-page.js'

// needs:browser too: a lost session is then blamed on chromedriver, not on whatever else runs on localhost.
const needs = { tags: ['needs:app', 'needs:db', 'needs:browser'] }

for (const fruit of ['apple', 'banana', 'cherry', 'damson']) {
  test(`adds ${fruit} through the form and lists it`, needs, async ({ driver }) => {
    await openItems(driver)
    const name = uniqueName(fruit)
    await addItem(driver, name)
    expect(await listedItems(driver)).toContain(name)
  })
}
