/**
 * Live status lines (`vitest-heal ⟳ db down — running pg_ctl start … healthy in 0.31 s`). They go to
 * stderr so they never mix with a reporter's stdout, and carry colour only on a TTY without NO_COLOR.
 */
import { styleText } from 'node:util'

export type StatusTone = 'info' | 'ok' | 'warn' | 'error' | 'working'

export interface StatusSink {
  line(tone: StatusTone, text: string): void
}

const SYMBOL: Record<StatusTone, string> = { info: '•', ok: '✓', warn: '!', error: '✗', working: '⟳' }
const COLOUR: Record<StatusTone, Parameters<typeof styleText>[0]> = {
  info: 'dim',
  ok: 'green',
  warn: 'yellow',
  error: 'red',
  working: 'cyan',
}

export function createStatusSink(options: { enabled: boolean; stream?: NodeJS.WriteStream }): StatusSink {
  const stream = options.stream ?? process.stderr
  const colour = stream.isTTY === true && !('NO_COLOR' in process.env)
  return {
    line(tone, text) {
      if (!options.enabled) return
      const prefix = `vitest-heal ${SYMBOL[tone]}`
      stream.write(`${colour ? styleText(COLOUR[tone], prefix) : prefix} ${text}\n`)
    },
  }
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`
}
