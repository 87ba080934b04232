import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { freePort } from '../../src/services/free-port.js'
import { ROOT, runCli } from './harness.js'

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

  test.each([['--version'], ['-v']])('%s prints the version from package.json and exits 0', async (flag) => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    const result = await runCli([flag], {})
    expect(result.code, result.output).toBe(0)
    expect(result.stdout).toBe(`${version}\n`)
  })
})

describe('vitest-heal doctor', () => {
  test(
    'an owned service that is not running is not called healthy in the closing line',
    { timeout: 60_000 },
    async () => {
      const dir = join(ROOT, 'test/e2e/.generated/doctor-owned')
      rmSync(dir, { recursive: true, force: true })
      mkdirSync(dir, { recursive: true })
      const port = await freePort()
      writeFileSync(
        join(dir, 'vitest.config.ts'),
        `import { defineConfig } from 'vitest/config'
import { heal, http } from 'vitest-heal'
export default defineConfig({
  plugins: [heal({ services: { app: http({ url: 'http://127.0.0.1:${port}/health', start: ['node', 'server.mjs'] }) } })],
})
`,
      )
      writeFileSync(
        join(dir, 'server.mjs'),
        `import { createServer } from 'node:http'\ncreateServer((_, res) => res.end('ok')).listen(${port}, '127.0.0.1')\n`,
      )
      const result = await runCli(['doctor'], {}, dir)
      expect(result.code, result.output).toBe(0)
      expect(result.stdout).toMatch(/app\s+http\s+\S+\s+not running \(started by the run\)/)
      expect(result.stdout).not.toContain('All services healthy')
      expect(result.stdout).toContain(
        'No problem found: 0 service(s) healthy, 1 not running (app: the run starts it).',
      )
    },
  )
})
