/**
 * The last lines a process printed. Owned processes keep one so that, when a service keeps dying,
 * the error can show why without storing its whole output.
 */
export class LineBuffer {
  private readonly lines: string[] = []
  private partial = ''

  constructor(private readonly capacity = 200) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n/)
    this.partial = parts.pop() ?? ''
    for (const line of parts) this.add(line)
  }

  tail(count = 20): string {
    const pending = this.partial === '' ? [] : [this.partial]
    return [...this.lines, ...pending].slice(-count).join('\n')
  }

  private add(line: string): void {
    this.lines.push(line)
    if (this.lines.length > this.capacity) this.lines.shift()
  }
}
