/**
 * Whether an error thrown outside any test (a hook of a suite or module, a module's top level, an
 * unhandled error) fails the run, and why. Plain Vitest fails the run on every one of them; we
 * forgive only what an outage we healed explains, or what the second pass ran again without.
 */
import type { TryRecovery } from './report.js'
import type { Verdict } from './types.js'

export interface ForgiveContext {
  /**
   * The outage of the verdict's service that ended in this run (`recoveryInRun`), if there was
   * one: a pre-flight start is no outage that a hook could have run into.
   */
  recovery: TryRecovery | undefined
  /** The second pass ran the same module or suite again and it ended without an error there. */
  repaired?: boolean
}

export interface Forgiveness {
  forgiven: boolean
  /** One sentence for the reports. */
  why: string
}

export function forgiveOutsideError(verdict: Verdict, context: ForgiveContext): Forgiveness {
  if (context.repaired) {
    return { forgiven: true, why: 'repaired by the second pass: it ran this code again without the error' }
  }
  if (verdict.kind !== 'infra') {
    return {
      forgiven: false,
      why: `not an outage (${verdict.kind}, rule ${verdict.rule}): it fails the run as it does in plain Vitest`,
    }
  }
  if (verdict.service === undefined) {
    return {
      forgiven: false,
      why: `infra (rule ${verdict.rule}) blamed on no declared service, so no recovery explains it: it fails the run`,
    }
  }
  if (context.recovery?.service !== verdict.service) {
    return {
      forgiven: false,
      why: `infra (rule ${verdict.rule}) of ${verdict.service}, which was not recovered in this run: it fails the run`,
    }
  }
  return {
    forgiven: true,
    why: `infra (rule ${verdict.rule}) of ${verdict.service}, which was found down and recovered in this run (${recoveredBy(context.recovery)})`,
  }
}

function recoveredBy(recovery: TryRecovery): string {
  if (recovery.by === 'another process') return 'by another vitest process'
  if (recovery.by === 'itself') return 'it came back by itself'
  return recovery.strategy ? `${recovery.strategy} by this run` : 'by this run'
}
