/**
 * A clock for unit tests that moves only when everything waits on it: each sleep is a timer, and
 * once the microtask queue is empty the earliest timer fires and time jumps to it. A 30 s wait runs
 * in microseconds and every duration is exact.
 */
import type { Clock } from '../../src/services/clock.js'

interface Timer {
  at: number
  resolve: () => void
}

export class FakeClock implements Clock {
  private time = 0
  private timers: Timer[] = []

  now(): number {
    return this.time
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve()
      const timer: Timer = { at: this.time + Math.max(0, ms), resolve }
      this.timers.push(timer)
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((t) => t !== timer)
          resolve()
        },
        { once: true },
      )
      setImmediate(() => this.fireEarliest())
    })
  }

  private fireEarliest(): void {
    if (this.timers.length === 0) return
    const earliest = this.timers.reduce((a, b) => (b.at < a.at ? b : a))
    this.timers = this.timers.filter((t) => t !== earliest)
    this.time = Math.max(this.time, earliest.at)
    earliest.resolve()
  }
}
