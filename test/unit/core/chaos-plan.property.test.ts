import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { formatFault, nextDue, parseFault, planFaults } from '../../../src/core/chaos-plan.js'
import type { FaultSpec, FaultTrigger } from '../../../src/core/fault.js'

const trigger: fc.Arbitrary<FaultTrigger> = fc.oneof(
  fc.nat({ max: 300 }).map((afterTests) => ({ afterTests })),
  fc.integer({ min: 1, max: 99 }).map((percent) => ({ percent })),
  fc.constant({ random: true as const }),
  fc.constantFrom(/checkout/, /pays/i, /^a/).map((test) => ({ test })),
  fc.constantFrom(/checkout/, /pays/i).map((during) => ({ during })),
)

const spec: fc.Arbitrary<FaultSpec> = fc
  .record({
    service: fc.constantFrom('db', 'app'),
    kind: fc.constantFrom('kill' as const, 'stop' as const, 'restart' as const),
    when: trigger,
    times: fc.integer({ min: 1, max: 4 }),
  })
  .map((fields) => ({ ...fields, params: {}, source: '' }))

const names = ['checkout pays', 'list', 'a test', 'pays back', 'admin']

/** Plays a whole run test by test, asking nextDue at each point the injector would, firing what is due. */
function playRun(planned: ReturnType<typeof planFaults>, total: number): Record<string, number[]> {
  const fired: Record<string, number> = {}
  const firedAt: Record<string, number[]> = {}
  const fire = (ids: string[], finished: number): void => {
    for (const id of ids) {
      fired[id] = (fired[id] ?? 0) + 1
      ;(firedAt[id] ??= []).push(finished)
    }
  }
  for (let finished = 0; finished < total; finished++) {
    const testName = names[finished % names.length] as string
    for (const phase of ['before', 'during', 'after'] as const) {
      const done = phase === 'after' ? finished + 1 : finished
      const due = nextDue(planned, { finished: done, total, testName, phase, fired })
      fire(
        due.map((fault) => fault.id),
        done,
      )
    }
  }
  return firedAt
}

describe('the chaos schedule (properties)', () => {
  test('any seed gives the same schedule twice', () => {
    fc.assert(
      fc.property(
        fc.array(spec, { maxLength: 5 }),
        fc.integer(),
        fc.nat({ max: 2000 }),
        (specs, seed, totalTests) => {
          expect(planFaults(specs, { seed, totalTests })).toEqual(planFaults(specs, { seed, totalTests }))
        },
      ),
    )
  })

  test('every point lies in the run, ascending and distinct, at most times of them', () => {
    fc.assert(
      fc.property(
        fc.array(spec, { maxLength: 5 }),
        fc.integer(),
        fc.nat({ max: 2000 }),
        (specs, seed, totalTests) => {
          for (const fault of planFaults(specs, { seed, totalTests })) {
            const points = fault.points ?? []
            expect(points.length).toBeLessThanOrEqual(fault.times)
            for (const [index, point] of points.entries()) {
              expect(Number.isInteger(point) && point >= 0 && point < totalTests).toBe(true)
              if (index > 0) expect(point).toBeGreaterThan(points[index - 1] as number)
            }
            if ('random' in fault.when) {
              for (const point of points) {
                expect(point).toBeGreaterThanOrEqual(Math.floor(totalTests * 0.1))
                expect(point).toBeLessThanOrEqual(Math.floor(totalTests * 0.9))
              }
            }
          }
        },
      ),
    )
  })

  test('over a whole run a fault fires at most times times, and each count trigger at its points', () => {
    fc.assert(
      fc.property(
        fc.array(spec, { maxLength: 4 }),
        fc.integer(),
        fc.nat({ max: 120 }),
        (specs, seed, total) => {
          const planned = planFaults(specs, { seed, totalTests: total })
          const firedAt = playRun(planned, total)
          for (const fault of planned) {
            const at = firedAt[fault.id] ?? []
            expect(at.length).toBeLessThanOrEqual(fault.times)
            if (fault.points) expect(at).toEqual(fault.points.slice(0, at.length))
            if (fault.points) expect(at.length).toBe(fault.points.length)
          }
        },
      ),
    )
  })

  test('the text form round-trips', () => {
    const withParams = fc.oneof(
      spec,
      fc
        .record({
          latency: fc.nat({ max: 5000 }),
          jitter: fc.option(fc.nat({ max: 500 }), { nil: undefined }),
          when: trigger,
          times: fc.integer({ min: 1, max: 3 }),
        })
        .map(({ latency, jitter, when, times }) => ({
          service: 'app',
          kind: 'latency' as const,
          params: jitter === undefined ? { latency } : { latency, jitter },
          when,
          times,
          source: '',
        })),
    )
    fc.assert(
      fc.property(withParams, (fault) => {
        const text = formatFault(fault)
        expect(parseFault(text)).toEqual({ ...fault, source: text })
      }),
    )
  })
})
