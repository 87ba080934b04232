/**
 * The second look at an infra hypothesis: the runner probes the blamed service at failure time and
 * this decides what the probe means. Kept apart from the probe itself so the decision stays pure.
 */
import { BUILTIN_RULES } from './rules.js'
import type { Rule, Verdict } from './types.js'

/** `saturated`: up but full (PostgreSQL 53300); weighed like `healthy`, and the verdict says which. */
export type ProbedHealth = 'healthy' | 'starting' | 'down' | 'saturated'

export interface ConfirmedVerdict {
  /** What the classifier said from the error alone. */
  hypothesis: Verdict
  /** What stands after the probe; the same object as `hypothesis` when the probe changed nothing. */
  verdict: Verdict
}

/** Whether the rule that produced a verdict marks its signature as ambiguous (user rules first). */
export function isAmbiguousRule(ruleId: string, rules: readonly Rule[] = []): boolean {
  const rule =
    rules.find((candidate) => candidate.id === ruleId) ??
    BUILTIN_RULES.find((candidate) => candidate.id === ruleId)
  return rule?.ambiguous === true
}

/**
 * - not infra, or nothing probed (`undefined`: no service blamed, or no probe): the hypothesis stands;
 * - `down` or `starting`: the outage is real, infra stands;
 * - `healthy` (or `saturated`: up but full) and the signature is ambiguous (a timeout, a reset,
 *   too many connections): the service was only slow, busy or full, so the failure is
 *   timing-class → `flaky`, and the evidence says which;
 * - `healthy` and the signature is unambiguous (ECONNREFUSED, 57P01): the service went away and
 *   came back, infra stands.
 */
export function confirmVerdict(
  hypothesis: Verdict,
  health: ProbedHealth | undefined,
  ruleIsAmbiguous: boolean = isAmbiguousRule(hypothesis.rule),
): ConfirmedVerdict {
  const answering = health === 'healthy' || health === 'saturated'
  if (hypothesis.kind !== 'infra' || !answering || !ruleIsAmbiguous)
    return { hypothesis, verdict: hypothesis }
  const where = hypothesis.service === undefined ? 'the service' : hypothesis.service
  return {
    hypothesis,
    verdict: {
      ...hypothesis,
      kind: 'flaky',
      evidence: `${hypothesis.evidence} (${where} ${health} at failure time)`,
    },
  }
}
