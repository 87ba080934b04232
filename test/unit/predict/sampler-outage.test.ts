import { describe, expect, test } from 'vitest'
import { createSampler, type SampleReading } from '../../../src/predict/sampler.js'
import { watchOutages } from '../../../src/predict/sampler-outage.js'

/** A source whose probe answers from a script: `d` down, `u` up. */
function scripted(name: string, script: string) {
  let i = 0
  return {
    name,
    timeoutMs: 100,
    async read(): Promise<SampleReading> {
      const down = script[Math.min(i++, script.length - 1)] === 'd'
      return down
        ? { metrics: { 'probe.down': 1 }, detail: 'connect ECONNREFUSED 127.0.0.1:5432' }
        : { metrics: { 'probe.down': 0 } }
    },
  }
}

async function run(
  script: string,
  options: { busy?: (s: string) => boolean; actMs?: number; gapMs?: number } = {},
) {
  let t = 0
  const sampler = createSampler({
    intervalMs: 1_000,
    sources: [scripted('db', script), scripted('host', 'dddd')],
    now: () => (t += 1_000),
  })
  const acts: { service: string; evidence: string; tick: number }[] = []
  let tick = 0
  const watch = watchOutages(sampler, {
    services: ['db'],
    busy: options.busy ?? (() => false),
    act: async (service, evidence) => {
      acts.push({ service, evidence, tick })
      await new Promise((r) => setTimeout(r, options.actMs ?? 0))
    },
  })
  for (tick = 0; tick < script.length; tick++) {
    await sampler.tick()
    await new Promise((r) => setTimeout(r, options.gapMs ?? 0))
  }
  await watch.stop()
  return acts
}

describe('outages the sampler sees', () => {
  test('down on two ticks in a row is acted on at the second, with the probe as evidence', async () => {
    const acts = await run('uuddd', { actMs: 50 })
    expect(acts).toHaveLength(1)
    expect(acts[0]).toMatchObject({ service: 'db', tick: 3 })
    expect(acts[0]!.evidence).toBe(
      "the sampler's probe found it down twice, 1.0 s apart: connect ECONNREFUSED 127.0.0.1:5432",
    )
  })

  test('one failed probe between healthy ones is no outage; sources not watched (host) never act', async () => {
    expect(await run('ududuu')).toEqual([])
  })

  test('a service being healed (or broken) is left to the coordinator', async () => {
    expect(await run('dddd', { busy: () => true })).toEqual([])
  })

  test('while its action runs a service is not acted on again; after it, a new outage is', async () => {
    // Ticks 10 ms apart, an action of 80 ms: ticks 2 and 3 come while it runs.
    const acts = await run('dddduuuuuuudd', { actMs: 80, gapMs: 10 })
    expect(acts.map((a) => a.tick)).toEqual([1, 12])
  })
})
