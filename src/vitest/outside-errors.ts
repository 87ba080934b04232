/**
 * Every error of both passes that belongs to no test — a describe block's or a file's hook, a
 * file's top level, an unhandled error — as report.json's `errors[]`, each classified and with
 * why it is forgiven or fails the run. None is dropped: plain Vitest fails the run on each of them.
 */
import { forgiveOutsideError } from '../core/forgive.js'
import { recoveryInRun, serviceDownAt } from '../core/recovery-evidence.js'
import { ERROR_TIME_KEY } from './error-time.js'
import { moduleKey, type HealthEvent, type OutsideError } from '../core/report.js'
import type { ErrorLike, RecoveryRecord, Verdict } from '../core/types.js'
import type { CollectedModule, CollectedPass } from './collector.js'

export interface OutsideErrorsInput {
  passes: CollectedPass[]
  records: RecoveryRecord[]
  timeline: HealthEvent[]
  classify: (errors: ErrorLike[]) => Verdict
  clean: (text: string) => string
}

export function outsideErrors(input: OutsideErrorsInput): OutsideError[] {
  const second = input.passes[1]
  const out: OutsideError[] = []
  input.passes.forEach((pass, i) => {
    const passNumber = (i === 0 ? 1 : 2) as 1 | 2
    const add = (error: ErrorLike, where: Omit<OutsideError, keyof Fields>, repaired: boolean) => {
      const verdict = blameByTime(input.classify([error]), error, where.where, input.timeline)
      // Only the outage of the service the error blames can excuse it; blaming nobody excuses nothing.
      const recovery =
        verdict.kind === 'infra' && verdict.service !== undefined
          ? recoveryInRun(verdict.service, input.records, input.timeline)
          : undefined
      out.push({
        ...where,
        pass: passNumber,
        ...fieldsOf(error, input.clean),
        verdict,
        ...forgiveOutsideError(verdict, { recovery, repaired }),
      })
    }
    for (const module of pass.modules) {
      const place = { ...(module.project ? { project: module.project } : {}), file: module.file }
      const repairedIn = passNumber === 1 && second ? repairs(second, module) : undefined
      for (const error of module.errors) add(error, { where: 'module', ...place }, repairedIn?.('') ?? false)
      for (const suite of module.suites) {
        for (const error of suite.errors)
          add(error, { where: 'suite', ...place, suite: suite.name }, repairedIn?.(suite.name) ?? false)
      }
    }
    for (const error of pass.unhandledErrors) add(error, { where: 'unhandled' }, false)
  })
  return out
}

type Fields = Pick<
  OutsideError,
  'pass' | 'name' | 'message' | 'stack' | 'code' | 'verdict' | 'forgiven' | 'why'
>

function fieldsOf(error: ErrorLike, clean: (text: string) => string) {
  return {
    name: String(error.name ?? 'Error'),
    message: clean(String(error.message ?? '')),
    ...(typeof error.stack === 'string' ? { stack: clean(error.stack) } : {}),
    ...(error.code !== undefined ? { code: String(error.code) } : {}),
  }
}

/**
 * For a module of pass 1: did the second pass run this suite (`''`: the file itself) again and
 * end without an error there? Its hooks ran only if one of its tests did.
 */
function repairs(second: CollectedPass, module: CollectedModule): (suite: string) => boolean {
  const key = moduleKey(module)
  const again = second.modules.find((m) => moduleKey(m) === key)
  if (!again) return () => false
  const ran = second.tests.filter(
    (t) => moduleKey(t) === key && (t.state === 'passed' || t.state === 'failed'),
  )
  return (suite) => {
    if (suite === '') return again.errors.length === 0 && ran.length > 0
    return !again.suites.some((s) => s.name === suite) && ran.some((t) => t.name.startsWith(`${suite} > `))
  }
}

/**
 * An unhandled infra error that names no service (an idle client's `read ECONNRESET`) is blamed on
 * the one service that was down when it was thrown (the worker stamps the time: error-time.ts);
 * at any other time, or while two were down, it stays blamed on nobody and fails the run.
 */
function blameByTime(
  verdict: Verdict,
  error: ErrorLike,
  where: OutsideError['where'],
  timeline: readonly HealthEvent[],
): Verdict {
  if (where !== 'unhandled' || verdict.kind !== 'infra' || verdict.service !== undefined) return verdict
  const at = (error as Record<string, unknown>)[ERROR_TIME_KEY]
  if (typeof at !== 'number' || !Number.isFinite(at)) return verdict
  const service = serviceDownAt(at, timeline)
  if (service === undefined) return verdict
  return {
    ...verdict,
    service,
    evidence: `${verdict.evidence} (thrown at ${new Date(at).toISOString()}, while ${service} was down)`,
  }
}
