/**
 * One healing session per Vitest project in the main process: the resolved options, the pre-flight,
 * the coordinator that heals services during the run, the control channel workers reach it by,
 * and the owned services to stop at the end.
 */
import { rm, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { ResolvedOptions } from '../config.js'
import type { HealthEvent } from '../core/report.js'
import type { RecoveryRecord, RecoveryTrigger, ServiceRef } from '../core/types.js'
import { createChannelServer, type ChannelServer } from '../coordinator/channel.js'
import { createCoordinator, type Coordinator, type HealResult } from '../coordinator/coordinator.js'
import { hostLockKey } from '../coordinator/host-lock.js'
import { relieveService } from '../recoveries/relieve.js'
import {
  learnedErrorType,
  loadStrategyRates,
  orderRecoveries,
  type StrategyRate,
} from '../history/strategy-order.js'
import type { HealReply, WaitHealthyReply } from '../coordinator/messages.js'
import { recoverService } from '../services/recover-service.js'
import type { Recovery, Service } from '../services/types.js'
import { fleetLockKey, withFleetLock } from '../history/fleet-lock.js'
import { startRunSampler, type RunSampler } from '../predict/sampler-run.js'
import type { Sampler } from '../predict/sampler.js'
import { startRunPredictor, type RunPredictor } from '../predict/predictor-run.js'
import type { PredictionReport } from '../core/prediction.js'
import { ChaosInjector } from '../chaos/injector.js'
import { applyProcessFault } from '../chaos/process-faults.js'
import { writeFlagFile } from './flag-file.js'
import { exportUrl, preflightError, runPreflight, type PreflightResult } from './preflight.js'
import { createStatusSink, formatSeconds, type StatusSink } from './status.js'

/** As long as the host lock's: another machine's recovery of a service that starts within 30 s. */
const FLEET_LOCK_TIMEOUT_MS = 60_000

export class HealSession {
  readonly options: ResolvedOptions
  readonly status: StatusSink
  preflightResult: PreflightResult | undefined
  readonly coordinator: Coordinator
  /**
   * The promise, not the server: projects sharing this session open it concurrently, and a second
   * server made while the first was still listening would never be closed (the run would not exit).
   */
  private channel: Promise<ChannelServer> | undefined
  private outageFlag: string | undefined
  private preflightPromise: Promise<void> | undefined
  private readonly preflightListeners: (() => void)[] = []
  private readonly preflightRecords: RecoveryRecord[] = []
  /** Starts and outages the pre-flight saw: they come before anything the coordinator records. */
  private readonly preflightEvents: HealthEvent[] = []
  /** Latest health state per service, from the coordinator's events: drives the outage flag. */
  private readonly healthStates = new Map<string, HealthEvent['state']>()
  /** The history's `dir` is relative to the project root (the plugin sets Vitest's root here). */
  historyRoot = process.cwd()
  /** Read at the first recovery, once: a run with no outage reads no history at all. */
  private strategyRates: Promise<StrategyRate[]> | undefined
  /** Samples services and host while tests run (predict/sampler-run.ts); undefined with `predict: false`. */
  private running: RunSampler | undefined
  /** Acts on what the sampler's trends predict (predict/predictor-run.ts); undefined with `predict: false`. */
  private predictor: RunPredictor | undefined
  /** Services whose tests a prediction holds: the outage flag stays while any is held. */
  private predictedHolds: ReadonlySet<string> = new Set()
  /** What the predictor reported, kept once teardown stopped it. */
  private predictorReports: PredictionReport[] = []
  /** Fsyncs the run's journal when a prediction asks for a checkpoint; set by whoever owns the journal. */
  checkpoint: (() => Promise<boolean>) | undefined

  /** A chaos run's injector (`chaos` option or `vitest-heal chaos`); undefined in a normal run. */
  readonly chaos: ChaosInjector | undefined
  /** Health as the tests saw it under a network fault: after the coordinator's in the timeline. */
  private readonly chaosEvents: HealthEvent[] = []
  private readonly chaosAbort = new AbortController()

  constructor(options: ResolvedOptions, status?: StatusSink) {
    this.options = options
    this.status = status ?? createStatusSink({ enabled: options.status })
    this.chaos = options.chaos
      ? new ChaosInjector({
          chaos: options.chaos,
          services: options.services,
          // A pause still running when the run ends is resumed at once (the abort).
          applyProcessFault: (service, fault) =>
            applyProcessFault(service, fault, { signal: this.chaosAbort.signal }),
          log: (kind, line) => this.status.line(kind, line),
          onHealthEvent: (event) => {
            this.chaosEvents.push(event)
            this.onHealthEvent(event)
          },
        })
      : undefined
    this.coordinator = createCoordinator({
      services: new Map(
        options.services.map((service) => [
          service.name,
          {
            probe: () => service.probe(),
            recover: (trigger: RecoveryTrigger) =>
              recoverService(service, {
                trigger,
                log: (line: string) => this.status.line('working', line),
                order: (recoveries) => this.learnedOrder(service, recoveries, trigger),
              }),
            logTail: service.owned ? () => service.owned!.logTail() : undefined,
            lockKey: () => hostLockKey(service.ref(), service.target()),
            relieve: service.reliefs
              ? (trigger: RecoveryTrigger) =>
                  relieveService(service, service.reliefs!, {
                    trigger,
                    log: (line: string) => this.status.line('working', line),
                  })
              : undefined,
          },
        ]),
      ),
      breakerPolicy: options.breaker,
      hostLock: options.hostLock,
      ...(options.history && options.history.url ? { fleetLock: this.fleetLock(options.history.url) } : {}),
      onEvent: (event: HealthEvent) => this.onHealthEvent(event),
    })
  }

  /** With a shared history database, CI machines that share a service recover it once (issue 12). */
  private fleetLock(url: string) {
    return <T>(key: string, fn: (contended: boolean) => Promise<T>): Promise<T> =>
      withFleetLock(
        url,
        fleetLockKey(key),
        (held) => {
          if (held.skipped)
            this.status.line(
              'warn',
              `recovery lock in the history database not taken (${held.skipped}): this host's lock only`,
            )
          return fn(held.contended)
        },
        { timeoutMs: FLEET_LOCK_TIMEOUT_MS },
      )
  }

  /** The service's recoveries in the order their history earned (issue 12); configured order without one. */
  private async learnedOrder(service: Service, recoveries: readonly Recovery[], trigger: RecoveryTrigger) {
    const history = this.options.history
    if (history === false || recoveries.length < 2) return recoveries.map((recovery) => ({ recovery }))
    this.strategyRates ??= loadStrategyRates({
      dir: resolve(this.historyRoot, history.dir),
      ...(history.url === undefined ? {} : { url: history.url }),
    }).catch(() => [])
    const errorType = learnedErrorType(trigger)
    return orderRecoveries(recoveries, await this.strategyRates, {
      serviceKind: service.kind,
      ...(errorType === undefined ? {} : { errorType }),
    })
  }

  hasService(name: string): boolean {
    return this.options.services.some((s) => s.name === name)
  }

  /** Opens the control channel workers use; its socket lives in a fresh 0700 directory. */
  async openChannel(): Promise<{ socket: string; outageFlag: string }> {
    this.channel ??= createChannelServer({
      heal: (request) => this.healForWorker(request.service, request.failedAt),
      waitHealthy: (request) => this.waitHealthy(request.services, request.timeoutMs),
      status: async () => ({ ok: true, services: this.coordinator.status() }),
      chaosPoint: async (request) => (await this.chaos?.chaosPoint(request)) ?? { ok: true, faults: [] },
    })
    const channel = await this.channel
    this.outageFlag = join(dirname(channel.path), 'outage')
    return { socket: channel.path, outageFlag: this.outageFlag }
  }

  /** Called once the pre-flight succeeded, before the first test file (services' URLs and ports are known). */
  afterPreflight(listener: () => void): void {
    this.preflightListeners.push(listener)
  }

  /** Runs once per session, however many projects or global setups ask for it. */
  preflight(): Promise<void> {
    this.preflightPromise ??= this.runPreflightOnce().then(() => this.startSampling())
    return this.preflightPromise
  }

  /** The metric sampler of this run, once the pre-flight is done (the predictor subscribes to it). */
  get sampler(): Sampler | undefined {
    return this.running?.sampler
  }

  private startSampling(): void {
    this.running ??= startRunSampler({
      options: this.options,
      root: this.historyRoot,
      // A service a prediction holds (slow, full) is expected to look down for a while: restarting a
      // server that is only slow fails and opens its breaker; its held tests wait for it instead.
      busy: (service) =>
        this.coordinator.isHealing(service) ||
        this.coordinator.isBroken(service) ||
        this.predictedHolds.has(service),
      heal: (service, evidence) =>
        this.coordinator.heal(service, { failedAt: Date.now(), trigger: 'sampler', evidence }),
    })
    const predict = this.options.predict
    if (this.running && predict && !this.predictor)
      this.predictor = startRunPredictor({
        services: this.options.services,
        options: predict,
        sampler: this.running.sampler,
        onHoldChange: (held) => {
          this.predictedHolds = held
          this.syncOutageFlag()
        },
        checkpoint: () => this.checkpoint?.() ?? Promise.resolve(false),
        log: (line) => this.status.line('working', line),
      })
  }

  /** Every prediction acted on in this run, for report.json `predictions[]`. */
  predictions(): PredictionReport[] {
    return this.predictor?.reports() ?? this.predictorReports
  }

  private async runPreflightOnce(): Promise<void> {
    const { services } = this.options
    if (services.length === 0) return
    if (!this.options.preflight) {
      // Nothing is checked or started, but a URL known without that (a static one) still reaches
      // the tests through `env`: without it DATABASE_URL would silently be unset.
      for (const service of services) exportUrl(service, process.env)
      return
    }
    const result = await runPreflight(services, {
      status: this.status,
      order: (service, trigger) => (recoveries) => this.learnedOrder(service, recoveries, trigger),
    })
    this.preflightResult = result
    this.preflightRecords.push(...result.records)
    this.preflightEvents.push(...result.events)
    if (!result.ok) throw preflightError(result, services)
    // The proxies go in front of services that run, before the workers (and their env) exist.
    await this.chaos?.start()
    for (const listener of this.preflightListeners) listener()
  }

  /** Heals one service (single-flight, host lock, breaker) on behalf of the run. */
  heal(service: string, request: { failedAt: number; trigger: RecoveryTrigger }): Promise<HealResult> {
    return this.coordinator.heal(service, request)
  }

  private async healForWorker(service: string, failedAt: number): Promise<HealReply & { probed?: string }> {
    // `*`: infra with nobody to blame: every service is checked, only the down ones are recovered.
    const names = service === '*' ? this.options.services.map((s) => s.name) : [service]
    if (!names.every((name) => this.hasService(name))) {
      return { ok: false, healthy: false, error: `unknown service "${service}"` }
    }
    const blamed = service === '*' ? undefined : service
    // A network fault of a chaos run: the tests saw the service down though its probe would not.
    const ended = await this.chaos?.healFor(service)
    if (ended)
      return {
        ok: true,
        healthy: true,
        probed: 'down',
        recovery: ended,
        ...(blamed === undefined ? { service: ended.service } : {}),
      }
    let reply: HealReply & { probed?: string } = { ok: true, healthy: true }
    for (const name of names) {
      const result = await this.coordinator.heal(name, { failedAt, trigger: 'inline' })
      // No outage seen (healthy at the first probe, nothing recovered by anyone): confirms nothing.
      // Saturated (full, not down): the verdict says so, and nothing was restarted.
      const probed = result.outage ? 'down' : result.saturated !== undefined ? 'saturated' : 'healthy'
      if (result.saturated !== undefined)
        this.status.line('warn', `${name} is saturated, not restarted: ${result.saturated}`)
      // Nobody was blamed: the first service found down is the one to blame.
      const found = blamed === undefined && result.outage ? { service: name } : {}
      // What a `healed` test needs: the service was down and is back (see HealResult.recovery).
      const recovery = result.recovery ? { recovery: result.recovery } : {}
      if (!result.healthy || result.code) {
        return {
          ok: result.healthy,
          healthy: result.healthy,
          code: result.code,
          error: result.error,
          probed,
          ...found,
        }
      }
      // One service asked for: its probe answers. All of them: the first outage found does.
      if (names.length === 1 || (result.outage && reply.service === undefined))
        reply = { ok: true, healthy: true, probed, ...found, ...recovery }
    }
    return reply
  }

  private async waitHealthy(services: string[], timeoutMs: number): Promise<WaitHealthyReply> {
    const names =
      services.length > 0
        ? services.filter((s) => this.hasService(s))
        : this.options.services.map((s) => s.name)
    // A predicted failure holds only tests that say they need the service: the others run first.
    if (services.length > 0) await this.predictor?.waitReleased(names, timeoutMs)
    return this.coordinator.waitHealthy(names, timeoutMs)
  }

  /** Keeps the outage flag file in step with the services' health: workers hold new tests while it exists. */
  private onHealthEvent(event: HealthEvent): void {
    // 'recovering' is followed by the recovery's own status lines: print only the detection.
    if (event.state === 'down') {
      this.status.line(
        'working',
        `${event.service} ${event.state}${event.detail ? ` — ${event.detail}` : ''}`,
      )
    } else if (event.state === 'broken') {
      this.status.line('error', `${event.service} declared broken: ${event.detail ?? ''}`)
    }
    this.healthStates.set(event.service, event.state)
    const flag = this.outageFlag
    if (!flag) return
    if (event.state === 'broken') {
      // Workers fail a test that needs a broken service at once, with the reason, instead of running it.
      const reason = this.coordinator.brokenReason(event.service) ?? event.detail ?? 'declared broken'
      void writeFlagFile(brokenFlag(flag, event.service), reason).catch(() => {})
    }
    this.syncOutageFlag()
  }

  /** The outage flag while a service is down or recovering, or a prediction holds one. */
  private syncOutageFlag(): void {
    const flag = this.outageFlag
    if (!flag) return
    const states = [...this.healthStates.values()]
    const outage = states.some((state) => state === 'down' || state === 'recovering')
    const hold = outage || this.predictedHolds.size > 0
    void (hold ? writeFile(flag, String(Date.now())) : rm(flag, { force: true })).catch(() => {})
  }

  allRecords(): RecoveryRecord[] {
    return [...this.preflightRecords, ...this.coordinator.records()]
  }

  timeline(): HealthEvent[] {
    const events = [...this.preflightEvents, ...this.coordinator.timeline()]
    if (this.chaosEvents.length === 0) return events
    // A network fault's outage is seen by the tests, not the probe: its events go where they happened.
    return [...events, ...this.chaosEvents].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
  }

  /** What the classifier knows of each service; in a chaos run also its fault proxy's address. */
  serviceRefs(): ServiceRef[] {
    return this.options.services.map((service) => this.chaos?.serviceRef(service) ?? service.ref())
  }

  /** Stops the services this session owns, last started first, and closes the channel. */
  async teardown(): Promise<void> {
    // Faults end before anything stops: a paused process is resumed, the proxies are closed.
    this.chaosAbort.abort()
    await this.chaos?.stop().catch(() => {})
    // First: a sampler still probing would take the services' stop for an outage and restart them.
    const predictor = this.predictor
    this.predictor = undefined
    await predictor?.stop().catch(() => {})
    this.predictorReports = predictor?.reports() ?? []
    const running = this.running
    this.running = undefined
    await running?.stop().catch(() => {})
    for (const service of [...this.options.services].reverse()) await stopQuietly(service, this.status)
    const channel = this.channel
    this.channel = undefined
    await channel?.then((server) => server.close()).catch(() => {})
  }
}

/** The file that says a service's breaker is open; its content is the reason. */
export function brokenFlag(outageFlag: string, service: string): string {
  return join(dirname(outageFlag), `broken-${encodeURIComponent(service)}`)
}

async function stopQuietly(service: Service, status: StatusSink): Promise<void> {
  if (!service.owned) return
  const started = Date.now()
  try {
    await service.owned.stop()
  } catch (error) {
    status.line(
      'warn',
      `${service.name} did not stop cleanly (${formatSeconds(Date.now() - started)}): ${(error as Error).message}`,
    )
  }
}

/**
 * The plugin's config module and the global-setup module are loaded by different module loaders,
 * so module-level state is not shared between them: the registry lives on globalThis.
 */
const REGISTRY = Symbol.for('vitest-heal.sessions')

type Registry = WeakMap<object, HealSession>

function registry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>
  holder[REGISTRY] ??= new WeakMap()
  return holder[REGISTRY]
}

export function registerSession(owner: object, session: HealSession): void {
  registry().set(owner, session)
}

export function findSession(owner: object): HealSession | undefined {
  return registry().get(owner)
}
