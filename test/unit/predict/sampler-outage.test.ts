import { describe, expect, test } from 'vitest'
import { createSampler, type SampleReading } from '../../../src/predict/sampler.js'
import { watchOutages } from '../../../src/predict/sampler-outage.js'

/** A source whose probe answers from a script: `d` down, `u` up (the last letter repeats). */
function scripted(name: string, script: string) {
  let i = 0
  return {
    name,
    timeoutMs: 100,
    async read(): Promise<SampleReading> {
      const down = script[Math.min(i++, script.length - 1)] === 'd'
      return down
        ? { metrics: { 'probe.down': 1 }, detail: `${name}: connect ECONNREFUSED 127.0.0.1:5432` }
        : { metrics: { 'probe.down': 0 } }
    },
  }
}

/**
 * Ticks the scripts (services in declaration order, plus an unwatched `host`). An action (a
 * recovery) lasts `actTicks` ticks: it settles once that many more ticks were taken.
 */
async function run(
  scripts: Record<string, string>,
  options: { busy?: (s: string) => boolean; actTicks?: number } = {},
) {
  let t = 0
  const services = Object.keys(scripts)
  const ticks = Math.max(...Object.values(scripts).map((s) => s.length))
  const sampler = createSampler({
    intervalMs: 1_000,
    sources: [...services.map((s) => scripted(s, scripts[s]!)), scripted('host', 'dddd')],
    now: () => (t += 1_000),
  })
  const acts: { service: string; evidence: string; tick: number }[] = []
  let tick = 0
  const running: { left: number; done: () => void }[] = []
  const watch = watchOutages(sampler, {
    services,
    busy: options.busy ?? (() => false),
    act: (service, evidence) => {
      acts.push({ service, evidence, tick })
      return new Promise<void>((done) => running.push({ left: options.actTicks ?? 0, done }))
    },
  })
  const settleDue = async () => {
    for (const action of running.filter((a) => a.left-- <= 0)) {
      running.splice(running.indexOf(action), 1)
      action.done()
    }
    await new Promise((r) => setTimeout(r, 0))
  }
  for (tick = 0; tick < ticks; tick++) {
    await sampler.tick()
    await settleDue()
  }
  for (const action of running) action.done()
  await watch.stop()
  return acts
}

describe('outages the sampler sees', () => {
  test('down on two ticks in a row is acted on at the second, with the probe as evidence', async () => {
    const acts = await run({ db: 'uuddd' }, { actTicks: 5 })
    expect(acts).toHaveLength(1)
    expect(acts[0]).toMatchObject({ service: 'db', tick: 3 })
    expect(acts[0]!.evidence).toBe(
      "the sampler's probe found it down twice, 1.0 s apart: db: connect ECONNREFUSED 127.0.0.1:5432",
    )
  })

  test('one failed probe between healthy ones is no outage; sources not watched (host) never act', async () => {
    expect(await run({ db: 'ududuu' })).toEqual([])
  })

  test('a service being healed (or broken) is left to the coordinator', async () => {
    expect(await run({ db: 'dddd' }, { busy: () => true })).toEqual([])
  })

  test('while its action runs nothing is acted on again; after it, a new outage is', async () => {
    // A recovery lasting 3 ticks: ticks 2 to 4 come while it runs.
    const acts = await run({ db: 'dddduuuuuuudd' }, { actTicks: 3 })
    expect(acts.map((a) => a.tick)).toEqual([1, 12])
  })

  test('two services down at once: the first declared is recovered, the other (its dependant) is not restarted', async () => {
    // The app's health reads the database: it is down exactly while the database is, and up once it is back.
    const acts = await run({ db: 'uddduuuu', app: 'udddduuu' }, { actTicks: 2 })
    expect(acts.map((a) => [a.service, a.tick])).toEqual([['db', 2]])
  })

  test('a service still down after the other was recovered is acted on, on two samples taken after that recovery', async () => {
    // The database's recovery lasts ticks 3 and 4; the app stays down until tick 9.
    const acts = await run({ db: 'udduuuuuuuuu', app: 'udddddddduuu' }, { actTicks: 2 })
    // The app's samples of ticks 2 to 4 came while something was being healed: 5 and 6 count.
    expect(acts.map((a) => [a.service, a.tick])).toEqual([
      ['db', 2],
      ['app', 6],
    ])
  })
})
