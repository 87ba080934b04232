/**
 * One direction of a proxied connection: bytes read from `source` written to `dest`, through the
 * toxics' stages when there are any. With no stage, no held chunk and nothing queued, a chunk is
 * written at once (the fast path: the proxy's cost with no fault active). Otherwise chunks queue
 * and one pump takes them through the stages in order, so bytes are never reordered.
 */
import type { Socket } from 'node:net'
import type { Chunk, Direction, ToxicStage } from './toxics.js'

/**
 * Queued bytes at which the source is paused, and below which it resumes: bounds what one link holds
 * while a toxic slows it (a `latency` of 100 ms still passes 10 MB/s through it).
 */
const QUEUE_HIGH = 1024 * 1024
const QUEUE_LOW = 256 * 1024

interface Queued extends Chunk {
  /** The client-data hook's promise: the chunk waits for it before it goes on. */
  gate?: Promise<unknown> | undefined
}

export class Link {
  /** Bytes written to `dest`. */
  delivered = 0
  private stages: ToxicStage[] = []
  private readonly queue: Queued[] = []
  private queuedBytes = 0
  private pumping = false
  private waitingDrain = false
  private sourceEnded = false
  private closed = false
  /** Called once the source has ended and every byte before its end was written. */
  private afterEnd: (() => void) | undefined

  constructor(
    readonly direction: Direction,
    private readonly source: Socket,
    private readonly dest: Socket,
    /** Runs for every chunk read; a promise holds that chunk (and those after it) until it settles. */
    private readonly gate: (() => Promise<unknown> | undefined) | undefined,
    private readonly onError: (error: unknown) => void,
  ) {
    source.on('data', this.onData)
    source.on('end', () => {
      this.sourceEnded = true
      if (!this.pumping) this.endDest()
    })
  }

  /** Bytes held for this direction: queued chunks and the destination's write buffer. */
  get buffered(): number {
    return this.queuedBytes + (this.dest.destroyed ? 0 : this.dest.writableLength)
  }

  /** The source has sent its end (FIN). */
  get ended(): boolean {
    return this.sourceEnded
  }

  addStage(stage: ToxicStage): void {
    this.stages = [...this.stages, stage]
  }

  removeStage(toxicId: string): void {
    const stage = this.stages.find((s) => s.toxicId === toxicId)
    if (!stage) return
    this.stages = this.stages.filter((s) => s !== stage)
    stage.stop(true)
  }

  /** The connection is gone: stop every stage, drop what is queued. */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (const stage of this.stages) stage.stop(false)
    this.stages = []
    this.queue.length = 0
    this.queuedBytes = 0
  }

  /** Runs `callback` once every byte of the ended source has been written (at once if already). */
  whenEnded(callback: () => void): void {
    if (this.sourceEnded && !this.pumping) callback()
    else this.afterEnd = callback
  }

  private readonly onData = (data: Buffer): void => {
    const gate = this.gate?.()
    if (!gate && !this.pumping && this.stages.length === 0) {
      this.write(data)
      return
    }
    this.queue.push({ data, at: performance.now(), gate })
    this.queuedBytes += data.length
    if (this.queuedBytes >= QUEUE_HIGH) this.source.pause()
    if (!this.pumping) void this.pump()
  }

  private write(data: Buffer): void {
    if (this.closed || this.dest.destroyed) return
    this.delivered += data.length
    if (this.dest.write(data) || this.waitingDrain) return
    // The destination is full: stop reading until it drains (backpressure back to the sender).
    this.waitingDrain = true
    this.source.pause()
    this.dest.once('drain', () => {
      this.waitingDrain = false
      this.maybeResume()
    })
  }

  private maybeResume(): void {
    if (!this.waitingDrain && this.queuedBytes < QUEUE_LOW && !this.source.destroyed) this.source.resume()
  }

  /** Writes one piece from the pump, waiting for the destination to drain when it is full. */
  private readonly writePiece = async (piece: Chunk): Promise<void> => {
    this.write(piece.data)
    if (!this.waitingDrain) return
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.dest.off('drain', done)
        this.dest.off('close', done)
        resolve()
      }
      this.dest.on('drain', done)
      this.dest.on('close', done)
    })
  }

  private async pump(): Promise<void> {
    this.pumping = true
    try {
      while (this.queue.length > 0 && !this.closed) {
        const chunk = this.queue.shift()!
        // A hook that fails must not cost the client its bytes: the chunk goes on either way.
        if (chunk.gate) await chunk.gate.catch(() => undefined)
        const stages = this.stages
        const through = (index: number, piece: Chunk): Promise<void> =>
          index < stages.length
            ? stages[index]!.push(piece, (next) => through(index + 1, next))
            : this.writePiece(piece)
        await through(0, chunk)
        if (this.closed) break
        this.queuedBytes -= chunk.data.length
        this.maybeResume()
      }
    } catch (error) {
      this.onError(error)
    } finally {
      this.pumping = false
    }
    if (this.sourceEnded) this.endDest()
  }

  private endDest(): void {
    if (this.closed) return
    if (!this.dest.destroyed) this.dest.end()
    const callback = this.afterEnd
    this.afterEnd = undefined
    callback?.()
  }
}
