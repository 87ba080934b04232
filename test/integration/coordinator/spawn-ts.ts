/**
 * Runs our TypeScript in real child processes and worker threads. Node 20 cannot strip types, so
 * an entry file and everything it imports relatively are transpiled once (TypeScript's own
 * transpileModule) into a temporary directory; children then start as plain `node`, in ~50 ms
 * instead of loading the compiler each.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)))
const RELATIVE_IMPORT = /(?:from\s*|import\s*\(?\s*)['"](\.{1,2}\/[^'"]+\.js)['"]/g

let outDir: string | undefined
const compiled = new Set<string>()
/** Compiles run one at a time, so a child never starts from a file another compile is writing. */
let queue: Promise<unknown> = Promise.resolve()

async function compileFile(file: string): Promise<void> {
  if (compiled.has(file)) return
  compiled.add(file)
  const source = await readFile(file, 'utf8')
  const { outputText } = ts.transpileModule(source, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  })
  const target = join(outDir!, relative(root, file)).replace(/\.ts$/, '.js')
  await mkdir(dirname(target), { recursive: true })
  await writeFile(target, outputText)
  for (const [, specifier] of source.matchAll(RELATIVE_IMPORT)) {
    const dependency = resolve(dirname(file), specifier!.replace(/\.js$/, '.ts'))
    if (existsSync(dependency)) await compileFile(dependency)
  }
}

/** The runnable `.js` path of a TypeScript file of this repository. */
export function compileTs(file: string): Promise<string> {
  const done = queue.then(async () => {
    if (!outDir) {
      outDir = await mkdtemp(join(tmpdir(), 'heal-compiled-'))
      await writeFile(join(outDir, 'package.json'), '{ "type": "module" }\n')
    }
    await compileFile(resolve(file))
    return join(outDir, relative(root, resolve(file))).replace(/\.ts$/, '.js')
  })
  queue = done.catch(() => undefined)
  return done
}

export interface TsChild {
  child: ChildProcess
  /** Resolves when the child has printed `line` on stdout. */
  printed(line: string): Promise<void>
  /** Resolves with all stdout once the child exits 0; rejects with its stderr otherwise. */
  exited: Promise<string>
}

const live = new Set<ChildProcess>()

/** For afterAll: kills children a failed test left behind and removes the compiled files. */
export async function cleanUpChildren(): Promise<void> {
  for (const child of live) child.kill('SIGKILL')
  if (outDir) await rm(outDir, { recursive: true, force: true })
  outDir = undefined
  compiled.clear()
}

export async function spawnTs(file: string, args: string[]): Promise<TsChild> {
  const child = spawn(process.execPath, [await compileTs(file), ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  live.add(child)
  child.on('exit', () => live.delete(child))
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    child.stdout.emit('text')
  })
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<string>((resolve, reject) => {
    child.on('error', reject)
    // 'close', not 'exit': only then has all of the child's output been read.
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`exit ${code}: ${stderr}`))))
  })
  async function printed(line: string): Promise<void> {
    while (!stdout.split('\n').includes(line)) {
      await Promise.race([once(child.stdout, 'text'), exited])
    }
  }
  return { child, printed, exited }
}
