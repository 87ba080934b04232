/**
 * The schedule of a chaos run: where each fault lands on the run's timeline (`planFaults`, the same
 * for the same seed and test count) and which are due at a point of the run (`nextDue`). The
 * injector (src/chaos) asks; this file never applies anything.
 *
 * Count triggers (`afterTests`, `percent`, `random`) become finished-test counts ("points") once the
 * total is known; `*times` repeats them: every n tests, every p %, or at `times` distinct seeded
 * points. Name triggers (`test`, `during`) fire on the first `times` matching tests.
 */
import type { FaultSpec, PlannedFault } from './fault.js'
import { randomInt, seededRandom, streamSeed, type Random } from './seeded-random.js'

export {
  CHAOS_ENV,
  FAULT_KINDS,
  FaultSpecError,
  formatFault,
  NETWORK_FAULT_KINDS,
  parseChaosEnv,
  parseFault,
  PROCESS_FAULT_KINDS,
  resolveChaos,
  type ChaosOptions,
  type ChaosServiceView,
  type FaultObject,
  type ResolvedChaos,
} from './fault-spec.js'

/** A `random` trigger never lands in the first or last tenth of the run: a fault needs tests around it. */
const RANDOM_FROM = 0.1
const RANDOM_TO = 0.9

export interface PlanOptions {
  /** The run's seed: the same seed and total give the same points. */
  seed: number
  /** How many tests the run will run (known after collection). */
  totalTests: number
}

/** Places every spec on the run: ids `f1`, `f2`, … in order, points for count triggers. */
export function planFaults(specs: readonly FaultSpec[], options: PlanOptions): PlannedFault[] {
  return specs.map((spec, index) => {
    const planned: PlannedFault = { ...spec, id: `f${index + 1}` }
    if ('test' in spec.when || 'during' in spec.when) return planned
    const points = pointsOf(spec, options.totalTests, seededRandom(streamSeed(options.seed, index)))
    return points[0] === undefined ? { ...planned, points } : { ...planned, points, afterTests: points[0] }
  })
}

/**
 * The finished-test counts at which a count trigger fires in a run of `total` tests: ascending,
 * distinct, each in [0, total). `random` needs the fault's own seeded stream.
 */
export function pointsOf(spec: Pick<FaultSpec, 'when' | 'times'>, total: number, random?: Random): number[] {
  const { when, times } = spec
  if (!(total > 0)) return []
  const raw: number[] = []
  if ('afterTests' in when) {
    for (let i = 1; i <= times; i++) raw.push(when.afterTests * i)
  } else if ('percent' in when) {
    for (let i = 1; i <= times && when.percent * i < 100; i++)
      raw.push(Math.floor((when.percent * i * total) / 100))
  } else if ('random' in when && random !== undefined) {
    raw.push(...distinctDraws(random, Math.floor(RANDOM_FROM * total), Math.floor(RANDOM_TO * total), times))
  }
  return [...new Set(raw.filter((point) => point < total))].sort((a, b) => a - b)
}

/** Where the run is when the injector asks. */
export interface RunProgress {
  /** Tests finished so far, across all workers. */
  finished: number
  /** Tests the run will run. */
  total: number
  /** Full name of the test about to start (`before`) or running (`during`). */
  testName?: string
  /** `before`: a test is about to start; `during`: it has sent its first bytes to a service; `after`: one finished. */
  phase: 'before' | 'during' | 'after'
  /** How many times each fault (by id) has fired so far; absent ones have not. */
  fired?: Readonly<Record<string, number>>
}

/** The faults due now, in plan order; never one that already fired `times` times. */
export function nextDue(planned: readonly PlannedFault[], progress: RunProgress): PlannedFault[] {
  return planned.filter((fault) => {
    const fired = progress.fired?.[fault.id] ?? 0
    if (fired >= fault.times) return false
    const { when } = fault
    if ('test' in when) return progress.phase === 'before' && matches(when.test, progress.testName)
    if ('during' in when) return progress.phase === 'during' && matches(when.during, progress.testName)
    if (progress.phase === 'during') return false
    const points = fault.points ?? pointsOf(fault, progress.total)
    const next = points[fired]
    return next !== undefined && progress.finished >= next
  })
}

function matches(pattern: RegExp, name: string | undefined): boolean {
  if (name === undefined) return false
  // A /g or /y pattern keeps lastIndex between calls: a copy without them answers the same each time.
  const stateless =
    pattern.global || pattern.sticky
      ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''))
      : pattern
  return stateless.test(name)
}

/** Up to `count` distinct whole numbers in [min, max] (Floyd's sampling: one draw each). */
function distinctDraws(random: Random, min: number, max: number, count: number): number[] {
  const size = max - min + 1
  const chosen = new Set<number>()
  for (let j = size - Math.min(count, size); j < size; j++) {
    const pick = randomInt(random, 0, j)
    chosen.add(chosen.has(pick) ? j : pick)
  }
  return [...chosen].map((offset) => min + offset)
}
