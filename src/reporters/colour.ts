/**
 * The one rule for colour in everything vitest-heal prints (the end-of-run summary on stdout, the
 * live status lines on stderr), and the one way to paint: tinyrainbow, the library Vitest prints
 * with. `node:util` styleText is not used because it changed between the Node versions we support
 * (22 checks the stream and the environment itself, 20 does not), so the same call would colour
 * on one leg and not on the other.
 */
import { createColors, getDefaultColors, type Colors } from 'tinyrainbow'

export type Env = Readonly<Record<string, string | undefined>>

/** The part of a stream the rule looks at. */
export interface ColourTarget {
  isTTY?: boolean
}

/**
 * In order, first match wins:
 * 1. `NO_COLOR` set, even empty → no colour. Vitest (tinyrainbow) reads it this way, and its output
 *    sits right above ours: one variable must not leave half of the terminal coloured.
 * 2. `FORCE_COLOR` set → colour, unless it is `0` or `false` (Node's and supports-color's reading),
 *    so CI logs that render ANSI can ask for it.
 * 3. Otherwise colour only when the stream we write to is a terminal and `TERM` is not `dumb`.
 */
export function colourEnabled(stream: ColourTarget, env: Env): boolean {
  if (env.NO_COLOR !== undefined) return false
  const force = env.FORCE_COLOR
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false'
  return stream.isTTY === true && env.TERM !== 'dumb'
}

/**
 * Paint functions that colour exactly when `enabled` says (tinyrainbow's own `createColors` would
 * still consult the environment when asked for none).
 */
export function palette(enabled: boolean): Colors {
  return enabled ? createColors({ force: true }) : getDefaultColors()
}

/** The palette for one stream under the rule above. */
export function paletteFor(stream: ColourTarget, env: Env): Colors {
  return palette(colourEnabled(stream, env))
}
