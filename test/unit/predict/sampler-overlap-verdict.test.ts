/**
 * A waiter stuck on a dead connection times out: a flaky-class failure. During an observed outage
 * of a service it needs it is the outage's (one re-run after recovery); a hook's timeout carries
 * our E_OUTAGE_OVERLAP evidence, which blames the service it quotes.
 */
import { describe, expect, test } from 'vitest'
import { classify } from '../../../src/core/classify.js'
import { decideRetry } from '../../../src/core/retry-policy.js'

const budget = { infra: 2, flaky: 2 }
const db = { name: 'db', kind: 'postgres', host: '127.0.0.1', port: 40949 }
const app = { name: 'app', kind: 'http', host: '127.0.0.1', port: 3000 }

describe('a timeout during an outage', () => {
  test('a flaky try that overlapped an outage of a needed service gets its one re-run, on the outage budget', () => {
    expect(decideRetry({ kind: 'flaky' }, budget, budget, { outageOverlap: true })).toMatchObject({
      retry: true,
      budget: 'outage',
    })
    // Its flaky budget spent or not, the outage decides; without one, flaky is flaky.
    expect(decideRetry({ kind: 'flaky' }, { infra: 0, flaky: 0 }, budget)).toMatchObject({ budget: 'flaky' })
    expect(decideRetry({ kind: 'flaky' }, budget, budget).retry).toBe(false)
    expect(decideRetry({ kind: 'flaky' }, budget, budget, { outageOverlap: true, healOff: true }).retry).toBe(
      false,
    )
  })

  test("a hook's timeout with our evidence is infra blamed on the quoted service; alone it stays flaky", () => {
    const timeout = { name: 'Error', message: 'Hook timed out in 5000ms.' }
    const evidence = {
      name: 'HealError',
      code: 'E_OUTAGE_OVERLAP',
      message:
        "vitest-heal: db (127.0.0.1:40949) was down while this hook ran (down from 2026-11-30T05:41:27.960Z to 2026-11-30T05:41:28.180Z): its failure (Error: Hook timed out in 5000ms.) is the outage's",
      stack: '',
    }
    const services = [app, db]
    expect(classify({ errors: [timeout] }, { services })).toMatchObject({
      kind: 'flaky',
      rule: 'vitest.hook-timeout',
    })
    expect(classify({ errors: [timeout, evidence] }, { services })).toMatchObject({
      kind: 'infra',
      service: 'db',
      rule: 'vitest-heal.outage-overlap',
    })
  })

  test('an assertion next to it stays a test bug (final outranks our evidence)', () => {
    const assertion = { name: 'AssertionError', message: 'expected 2 to be 3' }
    const evidence = {
      name: 'HealError',
      code: 'E_OUTAGE_OVERLAP',
      message: 'vitest-heal: db (127.0.0.1:40949) was down',
    }
    expect(classify({ errors: [assertion, evidence] }, { services: [db] })).toMatchObject({
      kind: 'test-bug',
    })
  })
})
