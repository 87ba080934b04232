/**
 * scripts/system-deps.sh, run by `npm test` (pretest) and by .ci/run: what a fresh machine lacks is
 * installed before the tests, or named. apt-get is the one thing replaced (a recorder first on PATH
 * that "installs" by creating the missing file): installing 440 MB of Chromium for real is CI's job.
 */
import { execFile } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'

const ROOT = join(import.meta.dirname, '../..')
const SCRIPT = join(ROOT, 'scripts/system-deps.sh')
const scratch = mkdtempSync(join(tmpdir(), 'vitest-heal-system-deps-'))
chmodSync(scratch, 0o755)
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

interface Result {
  code: number
  stdout: string
  stderr: string
}

function runScript(
  env: Record<string, string>,
  options: { uid?: number; gid?: number } = {},
): Promise<Result> {
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT], { env: { ...process.env, ...env }, ...options }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: unknown }).code) : 0, stdout, stderr }),
    )
  })
}

describe('scripts/system-deps.sh', () => {
  test('on this machine (everything installed) it does nothing and says nothing', async () => {
    expect(await runScript({})).toEqual({ code: 0, stdout: '', stderr: '' })
  })

  test.runIf(process.getuid?.() === 0)(
    'as root with apt-get, it installs chromium and chromium-driver when missing',
    async () => {
      const bin = join(scratch, 'bin')
      const chromium = join(scratch, 'chromium')
      const chromedriver = join(scratch, 'chromedriver')
      const calls = join(scratch, 'apt-calls')
      mkdirSync(bin)
      writeFileSync(
        join(bin, 'apt-get'),
        `#!/bin/sh\necho "$*" >> ${calls}\ncase "$1" in install) for f in ${chromium} ${chromedriver}; do printf '#!/bin/sh\\n' > $f; chmod +x $f; done;; esac\n`,
      )
      chmodSync(join(bin, 'apt-get'), 0o755)
      const result = await runScript({
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        VITEST_HEAL_CHROMIUM: chromium,
        VITEST_HEAL_CHROMEDRIVER: chromedriver,
      })
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout).toContain('installing chromium chromium-driver (apt-get)')
      expect(existsSync(chromium)).toBe(true)
      expect(readFileSync(calls, 'utf8').split('\n')).toEqual([
        'update -qq',
        'install -y -qq --no-install-recommends chromium chromium-driver',
        '',
      ])
      expect(existsSync(chromedriver)).toBe(true)
    },
  )

  test.runIf(process.getuid?.() === 0)(
    'not root, it names what to install and fails before the tests run',
    async () => {
      const result = await runScript(
        {
          VITEST_HEAL_CHROMIUM: join(scratch, 'no-chromium'),
          VITEST_HEAL_CHROMEDRIVER: join(scratch, 'no-driver'),
        },
        { uid: 65534, gid: 65534 },
      )
      expect(result.code).toBe(1)
      expect(result.stderr).toContain('not installed: chromium chromium-driver')
      expect(result.stderr).toContain('apt-get install --no-install-recommends chromium chromium-driver')
    },
  )

  test('npm test runs it first, and CI calls the same script instead of installing packages itself', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
    expect(manifest.scripts.pretest).toBe('bash scripts/system-deps.sh')
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8')
    expect(ci).toContain('bash scripts/system-deps.sh')
    expect(ci).not.toMatch(/apt-get (update|install)/)
  })
})
