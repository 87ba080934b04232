/**
 * The fault proxy's toxics, with Toxiproxy's names, attributes and semantics (toxics/*.go in
 * github.com/Shopify/toxiproxy): `latency`, `reset_peer`, `timeout`, `bandwidth`, `slicer`. A toxic
 * is added to the proxy once; each connection's link in its direction gets its own stage of it (its
 * own state and its own toxicity roll), as each Toxiproxy link runs its own stub.
 */
import { systemClock } from '../services/clock.js'

/** Each toxic's attributes, named as in Toxiproxy's JSON API. Times in ms unless said otherwise. */
export interface ToxicParams {
  /** Delays every chunk by `latency` ± `jitter` ms, counted from when the proxy read it. */
  latency: { latency: number; jitter?: number }
  /** On the first chunk, waits `timeout` ms (0: at once), then resets both sides (TCP RST); the data is dropped. */
  reset_peer: { timeout?: number }
  /** Drops all data; closes the connection after `timeout` ms (0: never, until the toxic is removed). */
  timeout: { timeout?: number }
  /** At most `rate` KB/s (1 KB = 1000 bytes). */
  bandwidth: { rate: number }
  /** Cuts each chunk into slices of about `average_size` ± `size_variation` bytes, `delay` µs apart. */
  slicer: { average_size: number; size_variation?: number; delay?: number }
}
export type ToxicKind = keyof ToxicParams

/**
 * Which way a toxic acts: `upstream` (client → service), `downstream` (service → client, Toxiproxy's
 * default) or `both` (an extension: one stage in each direction).
 */
export type ToxicStream = 'upstream' | 'downstream' | 'both'
export type Direction = 'upstream' | 'downstream'

export interface ToxicOptions {
  /** Default `downstream`, as in Toxiproxy: `latency` then adds its delay once per round trip. */
  stream?: ToxicStream
  /** The probability (0–1) that the toxic applies to a given connection. Default 1. */
  toxicity?: number
}

/** A toxic as the proxy lists it (Toxiproxy's name/type/stream/toxicity/attributes). */
export interface ToxicInfo<K extends ToxicKind = ToxicKind> {
  id: string
  kind: K
  params: ToxicParams[K]
  stream: ToxicStream
  toxicity: number
}

/** A piece of the byte stream and when the proxy read it (performance.now() ms). */
export interface Chunk {
  data: Buffer
  at: number
}

/** What a stage may do to the connection it sits on. */
export interface StageContext {
  /** Closes both sides (FIN), as Toxiproxy closes a link. */
  close(): void
  /** Resets both sides (RST). */
  reset(): void
  random(): number
}

/** One toxic on one link: a step every chunk of that direction passes through, in order. */
export interface ToxicStage {
  readonly toxicId: string
  /** Passes one chunk on: awaits `next` for every piece it lets through, in order. */
  push(chunk: Chunk, next: (piece: Chunk) => Promise<void>): Promise<void>
  /**
   * The toxic is gone from this link: finish any wait at once and let data through, as Toxiproxy's
   * interrupted toxics flush what they hold. `removed` is false when the connection itself ended.
   */
  stop(removed: boolean): void
}

const KINDS: readonly ToxicKind[] = ['latency', 'reset_peer', 'timeout', 'bandwidth', 'slicer']
const STREAMS: readonly ToxicStream[] = ['upstream', 'downstream', 'both']

/** Checks a toxic as given to addToxic(); a bad one throws a TypeError naming the attribute. */
export function validateToxic(kind: string, params: unknown, options: ToxicOptions): void {
  if (!KINDS.includes(kind as ToxicKind)) {
    throw new TypeError(`addToxic: unknown toxic "${kind}", expected one of ${KINDS.join(', ')}`)
  }
  if (typeof params !== 'object' || params === null) {
    throw new TypeError(`addToxic(${kind}): params must be an object`)
  }
  const p = params as Record<string, unknown>
  const number = (name: string, required: boolean, min = 0): number | undefined => {
    const value = p[name]
    if (value === undefined && !required) return undefined
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
      throw new TypeError(`addToxic(${kind}): ${name} must be a number ≥ ${min}, got ${String(value)}`)
    }
    return value
  }
  switch (kind as ToxicKind) {
    case 'latency':
      number('latency', true)
      number('jitter', false)
      break
    case 'reset_peer':
    case 'timeout':
      number('timeout', false)
      break
    case 'bandwidth':
      // Toxiproxy loops forever on rate 0 (it slices 0 bytes at a time).
      if (number('rate', true)! <= 0) throw new TypeError(`addToxic(bandwidth): rate must be > 0 KB/s`)
      break
    case 'slicer': {
      const average = number('average_size', true, 1)!
      const variation = number('size_variation', false) ?? 0
      number('delay', false)
      // A variation as large as the average can move a cut outside its slice: bytes sent twice.
      if (variation >= average) {
        throw new TypeError(
          `addToxic(slicer): size_variation (${variation}) must be smaller than average_size (${average})`,
        )
      }
      break
    }
  }
  if (options.stream !== undefined && !STREAMS.includes(options.stream)) {
    throw new TypeError(
      `addToxic(${kind}): stream must be one of ${STREAMS.join(', ')}, got ${String(options.stream)}`,
    )
  }
  const toxicity = options.toxicity
  if (toxicity !== undefined && (typeof toxicity !== 'number' || !(toxicity >= 0 && toxicity <= 1))) {
    throw new TypeError(`addToxic(${kind}): toxicity must be a number from 0 to 1, got ${String(toxicity)}`)
  }
}

/** Whether the toxic acts in `direction`. */
export function actsIn(stream: ToxicStream, direction: Direction): boolean {
  return stream === 'both' || stream === direction
}

/** The stage of `toxic` for one link; the toxicity roll is the caller's. */
export function createStage(toxic: ToxicInfo, context: StageContext): ToxicStage {
  switch (toxic.kind) {
    case 'latency':
      return new LatencyStage(toxic as ToxicInfo<'latency'>, context)
    case 'reset_peer':
      return new ResetPeerStage(toxic as ToxicInfo<'reset_peer'>, context)
    case 'timeout':
      return new TimeoutStage(toxic as ToxicInfo<'timeout'>, context)
    case 'bandwidth':
      return new BandwidthStage(toxic as ToxicInfo<'bandwidth'>, context)
    case 'slicer':
      return new SlicerStage(toxic as ToxicInfo<'slicer'>, context)
  }
}

/** Common to every stage: the abort that ends its waits when it is removed or its link closes. */
abstract class Stage<K extends ToxicKind> implements ToxicStage {
  readonly toxicId: string
  protected stopped = false
  protected readonly abort = new AbortController()
  constructor(
    protected readonly toxic: ToxicInfo<K>,
    protected readonly context: StageContext,
  ) {
    this.toxicId = toxic.id
  }
  abstract push(chunk: Chunk, next: (piece: Chunk) => Promise<void>): Promise<void>
  stop(_removed: boolean): void {
    this.stopped = true
    this.abort.abort()
  }
  protected sleep(ms: number): Promise<void> {
    return ms > 0 ? systemClock.sleep(ms, this.abort.signal) : Promise.resolve()
  }
}

/**
 * latency.go: the delay counts from when the chunk was read, not from when the previous one left,
 * so a stream of chunks is shifted by the latency, not slowed by it once per chunk.
 */
class LatencyStage extends Stage<'latency'> {
  async push(chunk: Chunk, next: (piece: Chunk) => Promise<void>): Promise<void> {
    if (this.stopped) return next(chunk)
    const { latency, jitter = 0 } = this.toxic.params
    const delay = jitter > 0 ? latency + Math.floor(this.context.random() * jitter * 2) - jitter : latency
    const wait = delay - (performance.now() - chunk.at)
    await this.sleep(wait)
    await next({ data: chunk.data, at: chunk.at + wait })
  }
}

/**
 * reset_peer.go: the first chunk arms it; `timeout` ms later both sides are reset. Unlike
 * Toxiproxy, removing the toxic during that wait lets the chunk through instead of resetting
 * anyway: nothing was dropped yet, so the connection can live on.
 */
class ResetPeerStage extends Stage<'reset_peer'> {
  async push(chunk: Chunk, next: (piece: Chunk) => Promise<void>): Promise<void> {
    if (this.stopped) return next(chunk)
    await this.sleep(this.toxic.params.timeout ?? 0)
    if (this.stopped) return next(chunk)
    this.context.reset()
  }
}

/**
 * timeout.go: every chunk is dropped; the connection closes `timeout` ms after the toxic reached it
 * (Toxiproxy restarts that wait on each chunk it drops; a client waiting for an answer sends none,
 * so both close at the same time for it). Removing the toxic closes the connection too, as
 * Toxiproxy's Cleanup does: bytes were dropped, the protocol on it is out of step.
 */
class TimeoutStage extends Stage<'timeout'> {
  private readonly timer: NodeJS.Timeout | undefined
  constructor(toxic: ToxicInfo<'timeout'>, context: StageContext) {
    super(toxic, context)
    const timeout = toxic.params.timeout ?? 0
    if (timeout > 0) this.timer = setTimeout(() => context.close(), timeout)
  }
  async push(chunk: Chunk, next: (piece: Chunk) => Promise<void>): Promise<void> {
    if (this.stopped) return next(chunk)
  }
  override stop(removed: boolean): void {
    super.stop(removed)
    clearTimeout(this.timer)
    if (removed) this.context.close()
  }
}

/**
 * bandwidth.go: each chunk owes len/rate ms; a chunk over 100 ms' worth goes out in 100 ms slices.
 * The debt carries over and is paid by measured sleeps, so a timer that oversleeps (a loaded
 * machine) is made up for on the next chunk instead of lowering the rate.
 */
class BandwidthStage extends Stage<'bandwidth'> {
  private debtMs = 0
  async push(chunk: Chunk, next: (piece: Chunk) => Promise<void>): Promise<void> {
    if (this.stopped) return next(chunk)
    const rate = this.toxic.params.rate
    const slice = Math.max(1, Math.floor(rate * 100))
    let data = chunk.data
    this.debtMs += data.length / rate
    while (data.length > slice && !this.stopped) {
      await this.sleep(100)
      await next({ data: data.subarray(0, slice), at: chunk.at })
      data = data.subarray(slice)
      this.debtMs -= 100
    }
    const start = performance.now()
    await this.sleep(this.debtMs)
    this.debtMs -= performance.now() - start
    await next({ data, at: chunk.at })
  }
}

/**
 * slicer.go: a chunk is halved, the cut moved by up to ±size_variation, until the pieces are within
 * average_size + size_variation; `delay` µs between them (Node's timers have 1 ms resolution:
 * any delay under 1000 µs but 0 waits about 1 ms).
 */
class SlicerStage extends Stage<'slicer'> {
  async push(chunk: Chunk, next: (piece: Chunk) => Promise<void>): Promise<void> {
    if (this.stopped) return next(chunk)
    const { delay = 0 } = this.toxic.params
    const cuts = sliceBounds(0, chunk.data.length, this.toxic.params, this.context.random)
    for (let i = 1; i < cuts.length; i += 2) {
      await next({ data: chunk.data.subarray(cuts[i - 1], cuts[i]), at: chunk.at })
      if (this.stopped) {
        if (cuts[i]! < chunk.data.length) await next({ data: chunk.data.subarray(cuts[i]), at: chunk.at })
        return
      }
      await this.sleep(delay / 1000)
    }
  }
}

/**
 * The cuts of slicer.go's chunk(): [start0, end0, start1, end1, …], contiguous and covering
 * [start, end). Exported for its property test.
 */
export function sliceBounds(
  start: number,
  end: number,
  params: ToxicParams['slicer'],
  random: () => number,
): number[] {
  const { average_size: average, size_variation: variation = 0 } = params
  if (end - start - average <= variation) return [start, end]
  let middle = start + Math.floor((end - start) / 2)
  if (variation > 0) middle += Math.floor(random() * variation * 2) - variation
  return [...sliceBounds(start, middle, params, random), ...sliceBounds(middle, end, params, random)]
}
