/**
 * `vitest-heal chaos [vitest args] --fault <spec>… [--seed <n>] [--expect-healed]`: a run like
 * `vitest-heal run` with faults injected on purpose. Our three options are taken out of the
 * arguments; the rest go to Vitest. The faults reach the heal() plugin through VITEST_HEAL_CHAOS
 * (read by resolveOptions, where it overrides the config's `chaos` option), so the config file,
 * its services and its healing stay exactly those of a normal run.
 */
import { CHAOS_ENV } from '../core/chaos-plan.js'
import { HealError } from '../errors.js'
import { runVitest } from './run.js'

export interface ChaosArgs {
  faults: string[]
  seed?: number
  expectHealed: boolean
  /** What is left for Vitest. */
  vitestArgs: string[]
}

/** Splits our options from Vitest's; both `--fault x` and `--fault=x` forms. Throws a HealError on a bad value. */
export function parseChaosArgs(args: readonly string[]): ChaosArgs {
  const faults: string[] = []
  const vitestArgs: string[] = []
  let seed: number | undefined
  let expectHealed = false
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? splitOnce(arg) : [arg, undefined]
    const value = (): string => {
      const next = inline ?? args[++i]
      if (next === undefined || next === '') throw usageError(`${flag} needs a value`)
      return next
    }
    if (flag === '--fault') faults.push(value())
    else if (flag === '--seed') seed = seedOf(value())
    else if (flag === '--expect-healed') expectHealed = true
    else vitestArgs.push(arg)
  }
  if (faults.length === 0)
    throw usageError('at least one --fault <spec> is needed (e.g. --fault db:kill@30%)')
  return { faults, ...(seed === undefined ? {} : { seed }), expectHealed, vitestArgs }
}

export async function chaosCommand(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const parsed = parseChaosArgs(args)
  env[CHAOS_ENV] = JSON.stringify({
    faults: parsed.faults,
    ...(parsed.seed === undefined ? {} : { seed: parsed.seed }),
    ...(parsed.expectHealed ? { expectHealed: true } : {}),
  })
  return runVitest(parsed.vitestArgs)
}

function splitOnce(arg: string): [string, string] {
  const at = arg.indexOf('=')
  return [arg.slice(0, at), arg.slice(at + 1)]
}

function seedOf(text: string): number {
  const seed = Number(text)
  if (!Number.isSafeInteger(seed)) throw usageError(`--seed must be an integer, got "${text}"`)
  return seed
}

function usageError(message: string): HealError {
  return new HealError('E_CONFIG', `vitest-heal chaos: ${message}`)
}
