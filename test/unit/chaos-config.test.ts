import { describe, expect, test } from 'vitest'
import { resolveOptions } from '../../src/config.js'
import { HealConfigError } from '../../src/errors.js'
import { http, postgres, service } from '../../src/services/index.js'

/** One service of each shape a fault cares about: owned, external with commands, external without, no host. */
const services = {
  db: postgres({ local: true }),
  app: http({ url: 'http://127.0.0.1:3999/health', start: ['node', 'server.js'] }),
  ext: postgres({
    url: 'postgres://u:secret@127.0.0.1:5999/x',
    chaos: {
      kill: ['sudo', 'systemctl', 'kill', 'postgresql'],
      pause: ['kill', '-STOP', '1'],
      resume: ['kill', '-CONT', '1'],
    },
  }),
  check: service({ check: () => true }),
}

function configError(input: unknown, env: NodeJS.ProcessEnv = {}): HealConfigError {
  try {
    resolveOptions(input, env)
  } catch (error) {
    expect(error).toBeInstanceOf(HealConfigError)
    return error as HealConfigError
  }
  throw new Error('expected resolveOptions to throw')
}

describe('the chaos option', () => {
  test('absent by default: a normal run injects nothing', () => {
    expect(resolveOptions({ services }, {}).chaos).toBeUndefined()
  })

  test('faults as text and objects, seed and expectHealed', () => {
    const { chaos } = resolveOptions(
      {
        services,
        chaos: {
          faults: [
            'db:kill@30%',
            { service: 'app', kind: 'latency', latency: 500, when: { test: /checkout/ } },
            'ext:pause=2s@random*2',
          ],
          seed: 42,
          expectHealed: true,
        },
      },
      {},
    )
    expect(chaos).toMatchObject({ seed: 42, expectHealed: true })
    expect(chaos?.faults.map((fault) => fault.source)).toEqual([
      'db:kill@30%',
      'app:latency=500ms@test:/checkout/',
      'ext:pause=2s@random*2',
    ])
  })

  test.each<[unknown, string, string]>([
    [
      { faults: ['dbx:kill@30%'] },
      'chaos.faults[0].service',
      'expected a declared service (db, app, ext, check), got "dbx"',
    ],
    [
      { faults: ['db:kill@30%', { service: 'dbx', kind: 'kill', when: 'random' }] },
      'chaos.faults[1].service',
      'got "dbx"',
    ],
    [
      { faults: ['check:down=1s@random'] },
      'chaos.faults[0].kind',
      'services.check has no host and port for the fault proxy',
    ],
    [{ faults: ['ext:stop@random'] }, 'chaos.faults[0].kind', 'no services.ext.chaos.stop command'],
    [{ faults: ['db:kill@nope'] }, 'chaos.faults[0]', 'in "db:kill@nope", got "nope"'],
    [{ faults: [], seed: 'x' }, 'chaos.seed', 'expected a whole number'],
    [{ faults: [], typo: 1 }, 'chaos.typo', 'expected a known option (faults, seed, expectHealed)'],
  ])('%j is refused at %s', (chaos, key, message) => {
    const error = configError({ services, chaos })
    expect(error.key).toBe(key)
    expect(error.code).toBe('E_CONFIG')
    expect(error.message).toContain(message)
  })
})

describe('VITEST_HEAL_CHAOS replaces the option', () => {
  const option = { faults: ['db:kill@30%'], seed: 1 }

  test('JSON of the option', () => {
    const env = { VITEST_HEAL_CHAOS: JSON.stringify({ faults: ['app:down=1s@after:3'], seed: 7 }) }
    const { chaos } = resolveOptions({ services, chaos: option }, env)
    expect(chaos).toMatchObject({ seed: 7, expectHealed: false })
    expect(chaos?.faults.map((fault) => fault.source)).toEqual(['app:down=1s@after:3'])
  })

  test('the compact form: specs, seed= and expectHealed separated by ; or new lines', () => {
    const env = { VITEST_HEAL_CHAOS: 'db:kill@30%; app:latency=5ms@test:/a;b/x/\nseed=-3;expectHealed' }
    // A `;` splits the compact form, even inside a regex: that is what the JSON form is for.
    expect(configError({ services }, env).key).toBe('VITEST_HEAL_CHAOS.faults[1]')
    const { chaos } = resolveOptions(
      { services },
      { VITEST_HEAL_CHAOS: 'db:kill@30%;\nseed=-3;expectHealed' },
    )
    expect(chaos).toMatchObject({ seed: -3, expectHealed: true, faults: [{ source: 'db:kill@30%' }] })
  })

  test('empty means unset; errors name the variable', () => {
    expect(resolveOptions({ services, chaos: option }, { VITEST_HEAL_CHAOS: ' ' }).chaos?.seed).toBe(1)
    expect(configError({ services }, { VITEST_HEAL_CHAOS: '{"faults":' }).key).toBe('VITEST_HEAL_CHAOS')
    expect(configError({ services }, { VITEST_HEAL_CHAOS: 'seed=x' }).message).toBe(
      'vitest-heal: VITEST_HEAL_CHAOS.seed: expected a whole number, got "x"',
    )
    expect(configError({ services }, { VITEST_HEAL_CHAOS: 'nodb:kill@30%' }).key).toBe(
      'VITEST_HEAL_CHAOS.faults[0].service',
    )
  })
})

describe("a service's chaos commands", () => {
  test('resolved onto the service as argv arrays; absent when not given', () => {
    const options = resolveOptions({ services }, {})
    const byName = new Map(options.services.map((resolved) => [resolved.name, resolved]))
    expect(byName.get('ext')?.chaos).toEqual({
      kill: ['sudo', 'systemctl', 'kill', 'postgresql'],
      pause: ['kill', '-STOP', '1'],
      resume: ['kill', '-CONT', '1'],
    })
    expect(byName.get('db')).not.toHaveProperty('chaos')
  })

  test.each<[unknown, string, string]>([
    ['kill it', 'services.x.chaos', 'expected an options object'],
    [{ kill: 'pkill postgres' }, 'services.x.chaos.kill', 'expected a non-empty argv array'],
    [{ kill: [''] }, 'services.x.chaos.kill[0]', 'expected a command name'],
    [
      { murder: ['x'] },
      'services.x.chaos.murder',
      'expected a known option (kill, stop, restart, pause, resume)',
    ],
    [
      { pause: ['kill', '-STOP', '1'] },
      'services.x.chaos.resume',
      'expected a command beside services.x.chaos.pause',
    ],
    [
      { resume: ['kill', '-CONT', '1'] },
      'services.x.chaos.pause',
      'expected a command beside services.x.chaos.resume',
    ],
  ])('%j is refused at %s', (chaos, key, message) => {
    const error = configError({ services: { x: http({ url: 'http://127.0.0.1:1/', chaos } as never) } })
    expect(error.key).toBe(key)
    expect(error.message).toContain(message)
  })
})
