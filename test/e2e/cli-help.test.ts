import { describe, expect, test } from 'vitest'
import { runCli } from './harness.js'

describe('vitest-heal --help', () => {
  test.each([['doctor'], ['types'], ['merge']])('%s --help prints the usage and exits 0', async (command) => {
    const result = await runCli([command, '--help'], {})
    expect(result.code, result.output).toBe(0)
    expect(result.stdout).toContain('Usage: vitest-heal <command>')
    expect(result.stdout).toContain(`${command} `)
  })

  test('an unknown command says so and exits 2', async () => {
    const result = await runCli(['heal-everything'], {})
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('unknown command "heal-everything"')
  })
})
