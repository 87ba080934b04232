import { describe, expect, test } from 'vitest'
import {
  FaultSpecError,
  formatFault,
  nextDue,
  parseFault,
  planFaults,
  pointsOf,
  resolveChaos,
  type ChaosServiceView,
} from '../../../src/core/chaos-plan.js'
import type { FaultSpec } from '../../../src/core/fault.js'

function specError(run: () => unknown): FaultSpecError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(FaultSpecError)
    return error as FaultSpecError
  }
  throw new Error('expected a FaultSpecError')
}

describe('parseFault', () => {
  test.each<[string, Omit<FaultSpec, 'source'>]>([
    ['db:kill@30%', { service: 'db', kind: 'kill', params: {}, when: { percent: 30 }, times: 1 }],
    [
      'app:latency=500ms@test:/checkout/',
      { service: 'app', kind: 'latency', params: { latency: 500 }, when: { test: /checkout/ }, times: 1 },
    ],
    [
      'app:latency=500ms,jitter=50ms@during:/checkout/i',
      {
        service: 'app',
        kind: 'latency',
        params: { latency: 500, jitter: 50 },
        when: { during: /checkout/i },
        times: 1,
      },
    ],
    [
      'db:pause=3s@after:12',
      { service: 'db', kind: 'pause', params: { durationMs: 3000 }, when: { afterTests: 12 }, times: 1 },
    ],
    [
      'db:down=2s@random',
      { service: 'db', kind: 'down', params: { durationMs: 2000 }, when: { random: true }, times: 1 },
    ],
    [
      'app:bandwidth=64@50%',
      { service: 'app', kind: 'bandwidth', params: { rate: 64 }, when: { percent: 50 }, times: 1 },
    ],
    ['db:kill@random*2', { service: 'db', kind: 'kill', params: {}, when: { random: true }, times: 2 }],
    [
      'db:slice=16,delay=5ms@12.5%',
      {
        service: 'db',
        kind: 'slice',
        params: { averageSize: 16, delayMs: 5 },
        when: { percent: 12.5 },
        times: 1,
      },
    ],
    [
      'db:reset,duration=1.5s@after:0',
      { service: 'db', kind: 'reset', params: { durationMs: 1500 }, when: { afterTests: 0 }, times: 1 },
    ],
    // A `*` inside the regex is the regex's; the one after it is the repeat count.
    ['db:stop@test:/a*b/*3', { service: 'db', kind: 'stop', params: {}, when: { test: /a*b/ }, times: 3 }],
    // `@` inside the trigger belongs to it: the spec splits at the first one.
    [
      'db:restart@test:/user@host/',
      { service: 'db', kind: 'restart', params: {}, when: { test: /user@host/ }, times: 1 },
    ],
  ])('%s', (text, expected) => {
    expect(parseFault(text)).toEqual({ ...expected, source: text })
  })

  test('a name without slashes matches literally, anywhere in the test name', () => {
    const { when } = parseFault('db:kill@test:pays (card)')
    expect('test' in when && when.test.test('checkout pays (card) twice')).toBe(true)
    expect('test' in when && when.test.test('checkout pays card')).toBe(false)
  })

  test.each([
    ['db:kill', 'a trigger after "@"', '"db:kill"'],
    ['kill@30%', '"service:kind" before "@"', '"kill"'],
    ['1db:kill@30%', 'a service name', '"1db"'],
    [
      'db:kil@30%',
      'a fault kind (kill, stop, restart, pause, latency, reset, down, timeout, bandwidth, slice)',
      '"kil"',
    ],
    ['db:kill=3s@30%', 'no "=value" after kill', '"kill=3s"'],
    ['db:pause=3@30%', 'duration as a duration > 0 such as 500ms or 3s', '"3"'],
    ['db:pause=0s@30%', 'duration as a duration > 0', '"0s"'],
    ['app:latency@30%', 'a value for latency, as in latency=500ms', '"latency"'],
    ['app:bandwidth=fast@30%', 'rate as a rate in KB/s > 0 such as 64', '"fast"'],
    [
      'app:latency=5ms,rate=3@30%',
      'a parameter latency takes (latency, jitter, duration) as name=value',
      '"rate=3"',
    ],
    ['app:latency=5ms,jitter=1ms,jitter=2ms@30%', 'jitter given once', '"jitter=2ms"'],
    ['db:kill@100%', 'a percentage above 0 and below 100', '"100%"'],
    ['db:kill@0%', 'a percentage above 0 and below 100', '"0%"'],
    ['db:kill@soon', 'a trigger (30%, after:12, test:/name/, during:/name/ or random)', '"soon"'],
    ['db:kill@test:/(/', 'a valid regular expression', '"/(/"'],
    ['db:kill@test:/a/q', 'a valid regular expression', '"/a/q"'],
    ['db:kill@30%*0', 'a repeat count ≥ 1', '"*0"'],
  ])('%s is refused, naming the spec and what is wrong', (text, expected, got) => {
    const error = specError(() => parseFault(text, '--fault'))
    expect(error.key).toBe('--fault')
    expect(error.code).toBe('E_CONFIG')
    expect(error.message).toContain(`vitest-heal: --fault: expected ${expected}`)
    expect(error.message).toContain(`in "${text}"`)
    expect(error.message).toMatch(new RegExp(`got ${got.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`))
  })

  test('formatFault writes the text form back', () => {
    for (const text of [
      'db:kill@30%',
      'app:latency=500ms,jitter=50ms@during:/checkout/i',
      'db:kill@random*2',
    ]) {
      expect(formatFault(parseFault(text))).toBe(text)
    }
    expect(formatFault(parseFault('db:pause=3s@after:12'))).toBe('db:pause=3000ms@after:12')
  })
})

const services: ChaosServiceView[] = [
  { name: 'db', owned: true, commands: [], tcp: true },
  { name: 'app', owned: false, commands: ['kill', 'pause'], tcp: true },
  { name: 'check', owned: false, commands: [], tcp: false },
]

describe('resolveChaos', () => {
  test('strings and objects, seed and expectHealed; defaults', () => {
    const resolved = resolveChaos(
      {
        faults: [
          'db:kill@30%',
          { service: 'app', kind: 'latency', latency: 200, jitter: 10, when: { test: /checkout/ }, times: 2 },
          { service: 'db', kind: 'down', durationMs: 1000, when: 'after:3' },
        ],
        seed: 42,
        expectHealed: true,
      },
      services,
    )
    expect(resolved.seed).toBe(42)
    expect(resolved.expectHealed).toBe(true)
    expect(resolved.faults.map((fault) => fault.source)).toEqual([
      'db:kill@30%',
      'app:latency=200ms,jitter=10ms@test:/checkout/*2',
      'db:down=1000ms@after:3',
    ])
    expect(resolved.faults[1]).toMatchObject({ params: { latency: 200, jitter: 10 }, times: 2 })
    expect(resolveChaos({ faults: [] }, services)).toEqual({ faults: [], expectHealed: false })
  })

  test.each<[unknown, string, string]>([
    [42, 'chaos', 'expected an object { faults, seed?, expectHealed? }, got 42'],
    [{ faults: [], sed: 1 }, 'chaos.sed', 'expected a known option (faults, seed, expectHealed)'],
    [{ faults: 'db:kill@30%' }, 'chaos.faults', 'expected an array of fault specs'],
    [{ faults: [], seed: 1.5 }, 'chaos.seed', 'expected a whole number, got 1.5'],
    [{ faults: [], expectHealed: 'yes' }, 'chaos.expectHealed', 'expected true or false'],
    [
      { faults: ['db:kill@30%', 'dbx:kill@30%'] },
      'chaos.faults[1].service',
      'expected a declared service (db, app, check), got "dbx"',
    ],
    [{ faults: ['db:kil@30%'] }, 'chaos.faults[0]', 'in "db:kil@30%", got "kil"'],
    [
      { faults: ['check:latency=5ms@30%'] },
      'chaos.faults[0].kind',
      'services.check has no host and port for the fault proxy',
    ],
    [{ faults: ['check:kill@30%'] }, 'chaos.faults[0].kind', 'no services.check.chaos.kill command'],
    [{ faults: ['app:stop@30%'] }, 'chaos.faults[0].kind', 'no services.app.chaos.stop command'],
    [{ faults: ['app:pause=1s@30%'] }, 'chaos.faults[0].kind', 'no services.app.chaos.resume command'],
    [
      { faults: [7] },
      'chaos.faults[0]',
      'expected a fault spec: text such as "db:kill@30%" or { service, kind, when }',
    ],
    [
      { faults: [{ service: 'db', kind: 'nuke', when: 'random' }] },
      'chaos.faults[0].kind',
      'expected a fault kind',
    ],
    [
      { faults: [{ service: 'db', kind: 'kill', when: 'random', latency: 5 }] },
      'chaos.faults[0].latency',
      'expected a key a kill fault takes (service, kind, when, times)',
    ],
    [
      { faults: [{ service: 'db', kind: 'latency', when: 'random' }] },
      'chaos.faults[0].latency',
      'expected a duration ≥ 0',
    ],
    [
      { faults: [{ service: 'db', kind: 'pause', durationMs: -1, when: 'random' }] },
      'chaos.faults[0].durationMs',
      'expected a duration > 0',
    ],
    [
      { faults: [{ service: 'db', kind: 'kill', when: 'random', times: 0 }] },
      'chaos.faults[0].times',
      'expected a whole number ≥ 1, got 0',
    ],
    [
      { faults: [{ service: 'db', kind: 'kill', when: { percent: 120 } }] },
      'chaos.faults[0].when.percent',
      'expected a number above 0 and below 100, got 120',
    ],
    [
      { faults: [{ service: 'db', kind: 'kill', when: { afterTests: 1, percent: 3 } }] },
      'chaos.faults[0].when',
      'expected a trigger: { afterTests }',
    ],
    [
      { faults: [{ service: 'db', kind: 'kill', when: { test: 3 } }] },
      'chaos.faults[0].when.test',
      'expected a RegExp or a non-empty string, got 3',
    ],
    [
      { faults: [{ service: 'db', kind: 'kill', when: 'later' }] },
      'chaos.faults[0].when',
      'expected a trigger (30%',
    ],
  ])('%j is refused at %s', (input, key, message) => {
    const error = specError(() => resolveChaos(input, services))
    expect(error.key).toBe(key)
    expect(error.message).toContain(message)
  })

  test('a service-less config says no services are declared', () => {
    expect(specError(() => resolveChaos({ faults: ['db:kill@30%'] }, [])).message).toContain(
      'expected a declared service (no services are declared), got "db"',
    )
  })
})

describe('planFaults and nextDue', () => {
  const plan = (texts: string[], totalTests: number, seed = 7) =>
    planFaults(
      texts.map((text) => parseFault(text)),
      { seed, totalTests },
    )

  test('ids in order; percent and afterTests become points; name triggers have none', () => {
    const planned = plan(
      ['db:kill@30%', 'db:kill@after:4*3', 'app:latency=5ms@test:/x/', 'db:kill@25%*4'],
      10,
    )
    expect(planned.map((fault) => fault.id)).toEqual(['f1', 'f2', 'f3', 'f4'])
    expect(planned[0]).toMatchObject({ points: [3], afterTests: 3 })
    // 4, 8, 12: the third lies past the run and is dropped.
    expect(planned[1]).toMatchObject({ points: [4, 8], afterTests: 4 })
    expect(planned[2]?.points).toBeUndefined()
    // 25 %, 50 %, 75 %; 100 % is the end of the run, not in it.
    expect(planned[3]?.points).toEqual([2, 5, 7])
  })

  test('random lands in [10 %, 90 %] of the run, at distinct points', () => {
    for (let seed = 0; seed < 200; seed++) {
      const [fault] = plan(['db:kill@random*3'], 50, seed)
      expect(fault?.points).toHaveLength(3)
      for (const point of fault?.points ?? []) expect(point >= 5 && point <= 45).toBe(true)
    }
  })

  test('random picks come from the fault own stream: adding a fault keeps the others in place', () => {
    const alone = plan(['db:kill@random'], 100, 42)
    const withAnother = plan(['db:kill@random', 'app:down=1s@random'], 100, 42)
    expect(withAnother[0]?.points).toEqual(alone[0]?.points)
    const seeds = new Set(
      Array.from({ length: 20 }, (_, seed) => plan(['db:kill@random'], 100, seed)[0]?.afterTests),
    )
    expect(seeds.size).toBeGreaterThan(5)
  })

  test('a run too short for a point gets none; an empty run none at all', () => {
    expect(plan(['db:kill@after:20'], 10)[0]).not.toHaveProperty('afterTests')
    expect(plan(['db:kill@random'], 0)[0]?.points).toEqual([])
    expect(plan(['db:kill@random'], 1)[0]?.points).toEqual([0])
  })

  test('count triggers are due once the point is reached, once per firing, never during a test', () => {
    const planned = plan(['db:kill@after:2*2'], 10)
    const due = (finished: number, fired: number, phase: 'before' | 'during' | 'after' = 'before') =>
      nextDue(planned, { finished, total: 10, phase, fired: { f1: fired } }).map((fault) => fault.id)
    expect(due(1, 0)).toEqual([])
    expect(due(2, 0)).toEqual(['f1'])
    expect(due(2, 0, 'after')).toEqual(['f1'])
    expect(due(2, 0, 'during')).toEqual([])
    expect(due(3, 1)).toEqual([])
    expect(due(4, 1)).toEqual(['f1'])
    expect(due(9, 2)).toEqual([])
  })

  test('test triggers are due before a matching test, during triggers inside one, up to times', () => {
    const planned = plan(['db:kill@test:/checkout/g', 'db:down=1s@during:/pays/*2'], 10)
    const due = (phase: 'before' | 'during', testName: string, fired: Record<string, number> = {}) =>
      nextDue(planned, { finished: 0, total: 10, phase, testName, fired }).map((fault) => fault.id)
    expect(due('before', 'shop checkout')).toEqual(['f1'])
    // A /g pattern does not remember where it stopped.
    expect(due('before', 'shop checkout')).toEqual(['f1'])
    expect(due('before', 'shop checkout', { f1: 1 })).toEqual([])
    expect(due('during', 'shop checkout')).toEqual([])
    expect(due('during', 'pays', { f2: 1 })).toEqual(['f2'])
    expect(due('during', 'pays', { f2: 2 })).toEqual([])
    expect(nextDue(planned, { finished: 0, total: 10, phase: 'before' })).toEqual([])
  })

  test('a fault planned without points (total unknown then) gets them from the progress', () => {
    const [spec] = [parseFault('db:kill@50%')]
    const fault = { ...(spec as FaultSpec), id: 'f1' }
    expect(nextDue([fault], { finished: 4, total: 10, phase: 'before' })).toEqual([])
    expect(nextDue([fault], { finished: 5, total: 10, phase: 'before' })).toEqual([fault])
    expect(pointsOf(fault, 10)).toEqual([5])
  })
})
