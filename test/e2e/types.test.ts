/**
 * `vitest-heal types` makes tags type-checked: the generated declaration accepts `needs:db` and
 * rejects a misspelt `needs:dbb`, checked by the real TypeScript compiler.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'
import { renderTagTypes } from '../../src/cli/types.js'
import { ROOT, runCli } from './harness.js'

const run = promisify(execFile)
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')

async function typecheck(testSource: string): Promise<{ ok: boolean; output: string }> {
  const dir = join(ROOT, 'test/e2e/.generated/types')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'vitest-heal.d.ts'), renderTagTypes(['db', 'app']))
  writeFileSync(join(dir, 'sample.test.ts'), testSource)
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        skipLibCheck: true,
        types: [],
      },
      include: ['*.ts'],
    }),
  )
  try {
    const { stdout } = await run(process.execPath, [TSC, '-p', dir])
    return { ok: true, output: stdout }
  } catch (error) {
    return { ok: false, output: String((error as { stdout?: string }).stdout ?? error) }
  }
}

describe('tag types', () => {
  test('needs:<service>, heal and heal:off type-check', { timeout: 60_000 }, async () => {
    const result = await typecheck(
      `import { test } from 'vitest'\ntest('x', { tags: ['needs:db', 'needs:app', 'heal', 'heal:off'] }, () => {})\n`,
    )
    expect(result.output).toBe('')
    expect(result.ok).toBe(true)
  })

  test('a misspelt service tag is a type error', { timeout: 60_000 }, async () => {
    const result = await typecheck(
      `import { test } from 'vitest'\ntest('x', { tags: ['needs:dbb'] }, () => {})\n`,
    )
    expect(result.ok).toBe(false)
    expect(result.output).toContain('needs:dbb')
  })

  test('the CLI writes the declaration from the project config', { timeout: 60_000 }, async () => {
    const out = join(ROOT, 'test/e2e/.generated/types-cli.d.ts')
    const result = await runCli(['types', '--out', out], {
      FIXTURE_PG_URL: 'postgres://u@127.0.0.1:1/x',
      FIXTURE_RECOVER: '[]',
    })
    expect(result.code, result.output).toBe(0)
    expect(readFileSync(out, 'utf8')).toContain('"heal" | "heal:off" | "needs:db"')
  })

  test('the CLI creates the folder --out names when it does not exist yet', { timeout: 60_000 }, async () => {
    const dir = join(ROOT, 'test/e2e/.generated/types-new-folder')
    rmSync(dir, { recursive: true, force: true })
    const out = join(dir, 'types/heal.d.ts')
    const result = await runCli(['types', '--out', out], {
      FIXTURE_PG_URL: 'postgres://u@127.0.0.1:1/x',
      FIXTURE_RECOVER: '[]',
    })
    expect(result.code, result.output).toBe(0)
    expect(readFileSync(out, 'utf8')).toContain('"needs:db"')
  })
})
