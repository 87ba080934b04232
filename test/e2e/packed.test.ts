/**
 * The package as a user gets it: `npm pack` in a fresh clone (no dist/, so `prepack` must build it),
 * installed from the tarball into an empty project through the real npm registry, then run the way a
 * user runs it. The clone is the working tree's files as git sees them (tracked, and untracked ones
 * it does not ignore), with this checkout's node_modules linked in for the build's compiler.
 */
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ROOT } from './harness.js'

const run = promisify(execFile)
const scratch = mkdtempSync(join(tmpdir(), 'vitest-heal-packed-'))
const clone = join(scratch, 'clone')
const project = join(scratch, 'project')
let tarball = ''
let tarballFiles: string[] = []
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }

async function sh(file: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return run(file, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } })
}

beforeAll(async () => {
  const { stdout } = await sh('git', ['ls-files', '-co', '--exclude-standard', '-z'], ROOT)
  for (const file of stdout.split('\0').filter(Boolean)) {
    mkdirSync(dirname(join(clone, file)), { recursive: true })
    cpSync(join(ROOT, file), join(clone, file), { dereference: false, errorOnExist: false })
  }
  symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'))
  const packed = await sh('npm', ['pack', '--json', '--pack-destination', scratch], clone)
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as [
    { filename: string; files: { path: string }[] },
  ]
  tarball = join(scratch, info.filename)
  tarballFiles = info.files.map((f) => f.path)

  mkdirSync(project)
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'empty-project', private: true, type: 'module' }),
  )
  // Vitest 4 is what a Node 20 user installs; selenium-webdriver is left out on purpose.
  await sh('npm', ['install', '--no-audit', '--no-fund', tarball, 'vitest@4'], project)
}, 600_000)

afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('npm pack of a fresh clone, installed into an empty project', () => {
  test('the tarball holds the built package and the LICENSE', () => {
    expect(tarballFiles).toEqual(
      expect.arrayContaining([
        'dist/index.js',
        'dist/index.d.ts',
        'dist/cli/main.js',
        'dist/selenium/entry.js',
        'LICENSE',
        'README.md',
        'package.json',
      ]),
    )
    expect(tarballFiles.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([])
  })

  test('npx vitest-heal --version prints the version', async () => {
    const { stdout } = await sh('npx', ['--no-install', 'vitest-heal', '--version'], project)
    expect(stdout).toBe(`${version}\n`)
  })

  test('the main entry point loads', async () => {
    const { stdout } = await sh(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('vitest-heal'); console.log(typeof m.heal, typeof m.postgres)",
      ],
      project,
    )
    expect(stdout).toBe('function function\n')
  })

  test('vitest-heal/selenium without selenium-webdriver names the package to install', async () => {
    const result = await sh(
      process.execPath,
      ['--input-type=module', '-e', "await import('vitest-heal/selenium')"],
      project,
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    )
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('E_MISSING_DEPENDENCY')
    expect(result.stderr).toContain('npm install -D selenium-webdriver')
  })
})
