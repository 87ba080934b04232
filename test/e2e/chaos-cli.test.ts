/**
 * `vitest-heal chaos`: our options are split from Vitest's and handed to the plugin through
 * VITEST_HEAL_CHAOS; a missing or malformed one says so before Vitest is started.
 */
import { describe, expect, test } from 'vitest'
import { parseChaosArgs } from '../../src/cli/chaos.js'
import { runCli } from './harness.js'

describe('vitest-heal chaos arguments', () => {
  test('--fault (repeatable, both forms), --seed and --expect-healed are ours; the rest is Vitest’s', () => {
    expect(
      parseChaosArgs([
        'test/a.test.ts',
        '--fault',
        'db:kill@30%',
        '--maxWorkers=2',
        '--fault=app:latency=500ms@test:/checkout/',
        '--seed',
        '42',
        '--expect-healed',
        '--reporter',
        'dot',
      ]),
    ).toEqual({
      faults: ['db:kill@30%', 'app:latency=500ms@test:/checkout/'],
      seed: 42,
      expectHealed: true,
      vitestArgs: ['test/a.test.ts', '--maxWorkers=2', '--reporter', 'dot'],
    })
  })

  test.each([
    [['--fault'], '--fault needs a value'],
    [['--fault', 'db:kill@1', '--seed', 'x'], '--seed must be an integer, got "x"'],
    [['--seed', '1'], 'at least one --fault <spec> is needed'],
  ])('%j → %s', (args, message) => {
    expect(() => parseChaosArgs(args)).toThrow(message)
  })
})

describe('vitest-heal chaos (the built CLI)', () => {
  test('--help prints the usage with the chaos command and exits 0', async () => {
    const result = await runCli(['chaos', '--help'], {})
    expect(result.code, result.output).toBe(0)
    expect(result.stdout).toContain('chaos [vitest args] --fault <spec>')
    expect(result.stdout).toContain('--expect-healed')
  })

  test('without a --fault it says what is missing and exits 1 before running anything', async () => {
    const result = await runCli(['chaos', '--seed', '3'], {})
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('vitest-heal chaos: at least one --fault <spec> is needed')
  })
})
