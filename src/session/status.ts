/**
 * Live status lines (`vitest-heal ⟳ db down — running pg_ctl start … healthy in 0.31 s`). They go to
 * stderr so they never mix with a reporter's stdout; colour follows the one rule of
 * src/reporters/colour.ts, judged on the stream they are written to.
 */
import type { Colors } from 'tinyrainbow'
import { terminalText } from '../core/terminal-text.js'
import { paletteFor, type Env } from '../reporters/colour.js'

export type StatusTone = 'info' | 'ok' | 'warn' | 'error' | 'working'

export interface StatusSink {
  line(tone: StatusTone, text: string): void
}

const SYMBOL: Record<StatusTone, string> = { info: '•', ok: '✓', warn: '!', error: '✗', working: '⟳' }
const COLOUR: Record<StatusTone, keyof Colors & ('dim' | 'green' | 'yellow' | 'red' | 'cyan')> = {
  info: 'dim',
  ok: 'green',
  warn: 'yellow',
  error: 'red',
  working: 'cyan',
}

export interface StatusSinkOptions {
  enabled: boolean
  stream?: { write(chunk: string): unknown; isTTY?: boolean }
  /** Read for NO_COLOR, FORCE_COLOR and TERM. Default `process.env`. */
  env?: Env
}

export function createStatusSink(options: StatusSinkOptions): StatusSink {
  const stream = options.stream ?? process.stderr
  const paint = paletteFor(stream, options.env ?? process.env)
  return {
    line(tone, text) {
      if (!options.enabled) return
      // The text holds service output and error messages: no escape sequence or workflow command from them.
      stream.write(`${paint[COLOUR[tone]](`vitest-heal ${SYMBOL[tone]}`)} ${terminalText(text)}\n`)
    },
  }
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`
}
