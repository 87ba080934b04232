/**
 * A fixed-capacity ring of samples: the sampler keeps the last few minutes per source and never
 * more, however long the run (bounded memory is part of the sampler's contract).
 */
export class Ring<T> {
  private readonly items: (T | undefined)[]
  private next = 0
  private size = 0

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity ${capacity}`)
    this.items = new Array<T | undefined>(capacity)
  }

  push(item: T): void {
    this.items[this.next] = item
    this.next = (this.next + 1) % this.capacity
    this.size = Math.min(this.size + 1, this.capacity)
  }

  get length(): number {
    return this.size
  }

  /** Oldest first. */
  toArray(): T[] {
    const start = (this.next - this.size + this.capacity) % this.capacity
    const out: T[] = []
    for (let i = 0; i < this.size; i++) out.push(this.items[(start + i) % this.capacity] as T)
    return out
  }

  /** The newest `count` items, newest last. */
  last(count: number): T[] {
    const all = this.toArray()
    return all.slice(Math.max(0, all.length - count))
  }
}
