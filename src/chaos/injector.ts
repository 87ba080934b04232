/**
 * The chaos injector of a session (`heal({ chaos })`, `vitest-heal chaos`): it places a fault proxy
 * in front of every service with a TCP address that a network fault or a `during` trigger needs it
 * for and hands the workers the proxy's URL, counts finished tests, applies each fault when its trigger comes (process faults through
 * applyProcessFault, network ones in the proxy), and keeps what it did for the scorecard.
 *
 * A chaos run is otherwise a normal run: the service's probe and recoveries keep the real address
 * (they must see the service, not the fault). The tests, though, see a network fault as an outage:
 * when a worker asks to heal a service that has one, the injector is that outage's recovery — it
 * waits for a fault with a duration to end, or ends one without a duration (the network came back),
 * and says so on the timeline, so a test it broke is `healed`, with the evidence a heal needs.
 */
import { NETWORK_FAULT_KINDS, nextDue, planFaults, type ResolvedChaos } from '../core/chaos-plan.js'
import type { FaultInjection, NetworkFaultKind, PlannedFault } from '../core/fault.js'
import type { HealthEvent, TryRecovery } from '../core/report.js'
import type { ServiceRef } from '../core/types.js'
import type { Service } from '../services/types.js'
import { applyNetworkFault } from './injector-network.js'
import { proxiedUrl } from './injector-url.js'
import { startFaultProxy, type FaultProxy } from './proxy.js'

const NETWORK_KINDS: ReadonlySet<string> = new Set(NETWORK_FAULT_KINDS)
/** A network fault with no `durationMs` ends at the next heal of its service, or after this long. */
export const DEFAULT_FAULT_MS = 5_000
/** Where the Selenium fixture looks for the WebDriver endpoint (see session/preflight.ts). */
const WEBDRIVER_URL_ENV = 'VITEST_HEAL_WEBDRIVER_URL'

/** Applies a process fault (src/chaos/process-faults.ts); resolves once it is in place. */
export type ProcessFaultApplier = (
  service: Service,
  fault: PlannedFault,
) => Promise<{ error?: string; endedAt?: Promise<number> | number }>

/** The three Vitest reporter hooks the injector counts with (src/chaos does not import Vitest). */
export interface ChaosReporter {
  onTestRunStart(specs: ReadonlyArray<unknown>): void
  onTestModuleCollected(module: { moduleId: string; children: { allTests(): Iterable<unknown> } }): void
  onTestCaseResult(test: unknown): void
}

export interface ChaosInjectorOptions {
  chaos: ResolvedChaos
  services: readonly Service[]
  applyProcessFault: ProcessFaultApplier
  /** A status line for the terminal. */
  log(kind: 'working' | 'warn' | 'ok', line: string): void
  /** Health as the tests see it (a network fault): the session's outage flag and timeline. */
  onHealthEvent(event: HealthEvent): void
  /** Where the workers' service URLs live; default process.env (workers inherit it). */
  env?: NodeJS.ProcessEnv
  startProxy?: (upstream: { host: string; port: number }) => Promise<FaultProxy>
  now?: () => number
}

interface Proxied {
  proxy: FaultProxy
  /** The URL the workers get; the service's own url() stays the real one. */
  url?: string
  /** env keys rewritten, with the value they had. */
  restored: [string, string][]
  unsubscribe: () => void
}

/** A network fault in place: how to end it, and whether its duration was asked for. */
interface ActiveFault {
  record: FaultInjection
  end: () => Promise<void>
  timer?: ReturnType<typeof setTimeout>
  /** The user gave `durationMs`: it ends then, not at a heal. */
  timed: boolean
  ended: Promise<void>
  resolveEnded: () => void
  /** Epoch ms a heal request first found it: the outage the tests saw began then. */
  seenAt?: number
}

export class ChaosInjector {
  readonly seed: number
  private readonly options: ChaosInjectorOptions
  private readonly now: () => number
  private readonly proxies = new Map<string, Proxied>()
  private readonly records: FaultInjection[] = []
  private readonly fired: Record<string, number> = {}
  private readonly active = new Set<ActiveFault>()
  /** `during` faults waiting for the first client bytes their service's proxy sees. */
  private armed: PlannedFault[] = []
  private finished = 0
  private specCount = 0
  private readonly collected = new Map<string, number>()
  private planned: PlannedFault[]
  private plannedFor = -1
  /** Faults are applied one at a time, in the order they came due. */
  private queue: Promise<unknown> = Promise.resolve()
  private stopped = false

  constructor(options: ChaosInjectorOptions) {
    this.options = options
    this.now = options.now ?? Date.now
    // A run without a seed gets one, told in the status line, so it can be repeated.
    this.seed = options.chaos.seed ?? Math.floor(Math.random() * 2 ** 31)
    this.planned = planFaults(options.chaos.faults, { seed: this.seed, totalTests: 0 })
  }

  /** Full names that must send a `chaos-point` before their test starts (WorkerHealConfig.chaos). */
  workerPatterns(): RegExp[] {
    return this.options.chaos.faults.flatMap((fault) =>
      'test' in fault.when ? [fault.when.test] : 'during' in fault.when ? [fault.when.during] : [],
    )
  }

  /** After the pre-flight (services up, their addresses known): proxies in front of the faulted ones. */
  async start(): Promise<void> {
    const env = this.options.env ?? process.env
    // Only where a fault needs it: a network fault acts in the proxy, a `during` trigger waits for the
    // bytes it sees. A kill or a pause at a test count needs none, and the proxy costs every query a
    // hop (~45 µs a round trip here, bench/proxy.mjs) that such a run then does not pay.
    const faulted = new Set(
      this.options.chaos.faults
        .filter((f) => NETWORK_KINDS.has(f.kind) || 'during' in f.when)
        .map((f) => f.service),
    )
    for (const service of this.options.services) {
      if (!faulted.has(service.name)) continue
      const ref = service.ref()
      if (typeof ref.host !== 'string' || typeof ref.port !== 'number') continue
      const upstream = { host: ref.host, port: ref.port }
      const proxy = await (this.options.startProxy ?? ((u) => startFaultProxy({ upstream: u })))(upstream)
      const real = service.url()
      const url = real === undefined ? undefined : proxiedUrl(real, upstream, proxy)
      const restored: [string, string][] = []
      const keys = [service.env, service.kind === 'webdriver' ? WEBDRIVER_URL_ENV : undefined]
      for (const key of keys) {
        if (key === undefined || url === undefined || real === undefined || env[key] !== real) continue
        restored.push([key, real])
        env[key] = url
      }
      const unsubscribe = proxy.onClientData(() => this.onClientBytes(service.name))
      this.proxies.set(service.name, { proxy, ...(url === undefined ? {} : { url }), restored, unsubscribe })
      this.options.log(
        'ok',
        `chaos: ${service.name} through a fault proxy at ${proxy.host}:${proxy.port}` +
          (restored.length > 0 ? ` (${restored.map(([k]) => k).join(', ')})` : ''),
      )
    }
    const faults = this.options.chaos.faults.map((f) => f.source).join(', ')
    this.options.log('working', `chaos: ${faults} — seed ${this.seed}`)
  }

  /**
   * The service as the workers' classifier sees it: its real address and, through `url`, the
   * proxy's, so an error naming either is blamed on it.
   */
  serviceRef(service: Service): ServiceRef {
    const ref = service.ref()
    const proxied = this.proxies.get(service.name)
    if (!proxied) return ref
    const { host, port } = proxied.proxy
    return { ...ref, url: `tcp://${host}:${port}` }
  }

  /** Counts the run's tests: Vitest reporter hooks, added to the run's reporters by the plugin. */
  readonly reporter: ChaosReporter = {
    onTestRunStart: (specs) => {
      this.specCount = Math.max(this.specCount, specs.length)
    },
    onTestModuleCollected: (module) => {
      this.collected.set(module.moduleId, [...module.children.allTests()].length)
    },
    onTestCaseResult: () => {
      this.finished++
      this.afterTest()
    },
  }

  /** A worker is about to start a test matching a chaos pattern: `test:` faults now, `during:` armed. */
  async chaosPoint(request: { test: string; file: string }): Promise<{ ok: boolean; faults: string[] }> {
    const now = this.take({ phase: 'before', testName: request.test })
    const during = this.take({ phase: 'during', testName: request.test })
    for (const fault of during) {
      if (this.proxies.has(fault.service)) this.armed.push(fault)
      // No proxy to see its bytes (a service without a TCP address): it starts with the test.
      else now.push(fault)
    }
    await Promise.all(now.map((fault) => this.enqueue(fault, `before ${request.test}`)))
    return { ok: true, faults: [...new Set([...now, ...during].map((fault) => fault.id))] }
  }

  /**
   * A worker asks to heal `service` (`*`: nobody blamed). When a network fault is on it, that is the
   * outage the test met: wait for a timed fault to end, end an untimed one, and give the evidence.
   */
  async healFor(service: string): Promise<TryRecovery | undefined> {
    const faults = [...this.active].filter((a) => service === '*' || a.record.fault.service === service)
    if (faults.length === 0) return undefined
    const name = faults[0]!.record.fault.service
    const first = faults.find((a) => a.seenAt !== undefined) ?? faults[0]!
    const downAt = first.seenAt ?? this.now()
    for (const fault of faults) {
      if (fault.seenAt === undefined) {
        fault.seenAt = downAt
        this.event(
          name,
          'down',
          `chaos ${fault.record.fault.id}: ${describe(fault.record.fault)} — the tests cannot reach it`,
        )
      }
    }
    const timed = faults.every((a) => a.timed)
    await Promise.all(faults.map((a) => (a.timed ? a.ended : this.endFault(a))))
    return {
      service: name,
      by: timed ? 'itself' : 'this run',
      ...(timed ? {} : { strategy: 'chaos:end-fault' }),
      downAt: new Date(downAt).toISOString(),
      healthyAt: new Date(this.now()).toISOString(),
    }
  }

  /** What the scorecard needs: one record per time a fault fired, and one for each that never did. */
  injections(): FaultInjection[] {
    const never = this.planned.filter((fault) => !this.records.some((r) => r.fault.id === fault.id))
    return [...this.records, ...never.map((fault) => ({ fault }))]
  }

  /** Ends every fault, closes the proxies and gives the workers' env its real URLs back. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    await this.queue.catch(() => {})
    await Promise.all([...this.active].map((a) => this.endFault(a)))
    const env = this.options.env ?? process.env
    for (const { proxy, restored, unsubscribe } of this.proxies.values()) {
      unsubscribe()
      for (const [key, value] of restored) env[key] = value
      await proxy.close().catch(() => {})
    }
    this.proxies.clear()
  }

  /** The run's total as far as it is known: collected tests, the files not collected yet at the mean. */
  private total(): number {
    const counts = [...this.collected.values()]
    if (counts.length === 0) return 0
    const known = counts.reduce((a, b) => a + b, 0)
    const missing = Math.max(0, this.specCount - counts.length)
    return known + Math.round((missing * known) / counts.length)
  }

  /** The plan for the current total (the same for the same seed and total). */
  private plan(): PlannedFault[] {
    const total = this.total()
    if (total !== this.plannedFor) {
      this.planned = planFaults(this.options.chaos.faults, { seed: this.seed, totalTests: total })
      this.plannedFor = total
    }
    return this.planned
  }

  /** The faults due now, counted as fired at once so no later call takes them again. */
  private take(progress: { phase: 'before' | 'during' | 'after'; testName?: string }): PlannedFault[] {
    if (this.stopped) return []
    const total = this.total()
    const due = nextDue(this.plan(), { ...progress, finished: this.finished, total, fired: this.fired })
    for (const fault of due) this.fired[fault.id] = (this.fired[fault.id] ?? 0) + 1
    return due
  }

  /** Count triggers, after each finished test: applied in the background, the run goes on. */
  private afterTest(): void {
    for (const fault of this.take({ phase: 'after' }))
      void this.enqueue(fault, `after ${this.finished} test(s)`)
  }

  /** The first client bytes a proxy sees after a `during` test started: its faults go in first. */
  private onClientBytes(service: string): Promise<void> | undefined {
    const mine = this.armed.filter((fault) => fault.service === service)
    if (mine.length === 0) return undefined
    this.armed = this.armed.filter((fault) => fault.service !== service)
    return Promise.all(mine.map((fault) => this.enqueue(fault, 'at its first query'))).then(() => {})
  }

  private enqueue(fault: PlannedFault, why: string): Promise<void> {
    const applied = this.queue.then(() => this.apply(fault, why))
    this.queue = applied.catch(() => {})
    return applied
  }

  private async apply(fault: PlannedFault, why: string): Promise<void> {
    const record: FaultInjection = { fault }
    this.records.push(record)
    if (this.stopped) return
    const service = this.options.services.find((s) => s.name === fault.service)
    if (!service) {
      record.error = `no service "${fault.service}"`
      return
    }
    const label = `chaos ${fault.id}: ${fault.source}`
    try {
      if (NETWORK_KINDS.has(fault.kind)) await this.applyNetwork(record, fault.kind as NetworkFaultKind)
      else await this.applyProcess(record, service)
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error)
    }
    if (record.error !== undefined) {
      delete record.injectedAt
      this.options.log('warn', `${label} could not be applied: ${record.error}`)
    } else {
      this.options.log('working', `${label} injected ${why}`)
    }
  }

  private async applyProcess(record: FaultInjection, service: Service): Promise<void> {
    record.injectedAt = this.now()
    const result = await this.options.applyProcessFault(service, record.fault)
    if (result.error !== undefined) {
      record.error = result.error
      return
    }
    // A pause ends on its own (SIGCONT after its duration), later than it was applied.
    const ended = result.endedAt
    if (typeof ended === 'number') record.endedAt = ended
    else if (ended) void ended.then((at) => (record.endedAt = at)).catch(() => {})
  }

  private async applyNetwork(record: FaultInjection, kind: NetworkFaultKind): Promise<void> {
    const proxied = this.proxies.get(record.fault.service)
    if (!proxied) {
      record.error = `${record.fault.service} has no fault proxy (no host and port to stand in front of)`
      return
    }
    const end = await applyNetworkFault(proxied.proxy, kind, record.fault.params)
    record.injectedAt = this.now()
    let resolveEnded!: () => void
    const ended = new Promise<void>((resolve) => (resolveEnded = resolve))
    const durationMs = record.fault.params.durationMs
    const active: ActiveFault = { record, end, timed: durationMs !== undefined, ended, resolveEnded }
    active.timer = setTimeout(() => void this.endFault(active), durationMs ?? DEFAULT_FAULT_MS)
    this.active.add(active)
  }

  private async endFault(active: ActiveFault): Promise<void> {
    if (!this.active.delete(active)) return active.ended
    clearTimeout(active.timer)
    try {
      await active.end()
    } finally {
      active.record.endedAt = this.now()
      if (active.seenAt !== undefined)
        this.event(active.record.fault.service, 'healthy', `chaos ${active.record.fault.id} ended`)
      active.resolveEnded()
    }
  }

  private event(service: string, state: HealthEvent['state'], detail: string): void {
    try {
      this.options.onHealthEvent({ service, at: new Date(this.now()).toISOString(), state, detail })
    } catch {
      // The status line and flag are a courtesy; the fault's record is what counts.
    }
  }
}

function describe(fault: PlannedFault): string {
  return `${fault.kind} in the fault proxy (${fault.source})`
}
