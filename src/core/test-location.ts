/**
 * The line of a test file a failure points at, read from the parsed stack frames Vitest attaches to
 * every error it reports (`stacks`, already mapped back to the sources).
 *
 * Why not Vitest's `includeTaskLocation`: it reads a source-mapped stack trace for every `test()`
 * call, which bench/overhead measured at ~15% of a run of small tests. Reports need a line only for
 * the tests they tell about (failed, flaky, healed), and those have errors whose frames carry it.
 */
import type { ErrorLike } from './types.js'

interface StackFrame {
  file: string
  line: number
}

/**
 * The first frame inside `file` (an absolute path, as in Vitest's frames) among the errors, in
 * order: the deciding try comes first. Undefined when no frame is in the test file (an error thrown
 * in a helper module only, a timeout without a stack).
 */
export function lineInTestFile(errors: readonly ErrorLike[], file: string): number | undefined {
  for (const error of errors) {
    for (const frame of framesOf(error)) {
      if (frame.file === file) return frame.line
    }
  }
  return undefined
}

function framesOf(error: ErrorLike): StackFrame[] {
  const stacks = error.stacks
  if (!Array.isArray(stacks)) return []
  return stacks.filter(
    (frame): frame is StackFrame =>
      typeof frame === 'object' &&
      frame !== null &&
      typeof (frame as StackFrame).file === 'string' &&
      Number.isInteger((frame as StackFrame).line) &&
      (frame as StackFrame).line > 0,
  )
}
