/**
 * Holds the user's Vitest reporters (default, json, junit, blob, html, custom…) so that they tell
 * ONE run, the healed one: they see the first pass live, their `onTestRunEnd` is held, they hear
 * nothing of the second pass, and the held `onTestRunEnd` is called once at the end with the merged
 * modules. Without this, the second pass's `runTestSpecifications()` fires every reporter again:
 * json, junit and blob rewrite their files with the second pass only, and the default reporter
 * prints a second summary.
 *
 * Why patch each reporter's methods rather than wrap it in another object: Vitest tests its
 * reporters with `instanceof` (blob, hanging-process), so they must stay the same objects.
 */
import type { Reporter, SerializedError, TestModule } from 'vitest/node'

/** The hooks of one test run: muted during the second pass, `onTestRunEnd` held. */
const RUN_HOOKS = [
  'onTestRunStart',
  'onTestModuleQueued',
  'onTestModuleCollected',
  'onTestModuleStart',
  'onTestModuleEnd',
  'onTestSuiteReady',
  'onTestSuiteResult',
  'onTestCaseReady',
  'onTestCaseResult',
  'onHookStart',
  'onHookEnd',
  'onTestCaseAnnotate',
  'onTestCaseArtifactRecord',
  'onUserConsoleLog',
  'onTaskUpdate',
  'onCoverage',
  'onTestRunEnd',
] as const

type RunEndArgs = [ReadonlyArray<TestModule>, ReadonlyArray<SerializedError>, string]
type Hook = (...args: unknown[]) => unknown

export class ReporterHold {
  /** `open`: reporters hear everything (before `start`, after `release`, runs of the Node API after ours). */
  private mode: 'open' | 'holding' | 'muted' = 'open'
  private held: { call: (...args: RunEndArgs) => unknown; args: RunEndArgs }[] = []
  private installed = false

  /**
   * Patches every reporter but `ours` (once) and holds their next `onTestRunEnd`. Call once the
   * reporters exist (in `vitest.start`).
   */
  install(reporters: ReadonlyArray<Reporter>, ours: ReadonlySet<object>): void {
    this.mode = 'holding'
    if (this.installed) return
    this.installed = true
    for (const reporter of reporters) {
      if (ours.has(reporter)) continue
      const methods = reporter as unknown as Record<string, unknown>
      for (const hook of RUN_HOOKS) {
        const original = methods[hook]
        if (typeof original !== 'function') continue
        const call = (original as Hook).bind(reporter)
        methods[hook] = (...args: unknown[]) => {
          if (this.mode === 'muted') return undefined
          if (this.mode === 'open' || hook !== 'onTestRunEnd') return call(...args)
          this.held.push({ call: call as (...a: RunEndArgs) => unknown, args: args as RunEndArgs })
          return undefined
        }
      }
    }
  }

  /** What the held reporters were told at the end of the first pass, or undefined. */
  firstRunEnd(): RunEndArgs | undefined {
    return this.held[0]?.args
  }

  /** From now on the reporters hear nothing: the second pass runs. */
  mute(): void {
    this.mode = 'muted'
  }

  /**
   * Calls every held `onTestRunEnd` once, with `args` (the merged run) or, when there is no
   * merged account, with what the first pass said. A reporter that throws cannot stop the others;
   * the first error is thrown after all ran, as Vitest's own call would have thrown it.
   */
  async release(args?: RunEndArgs): Promise<void> {
    const held = this.held
    this.held = []
    this.mode = 'open'
    const failures: unknown[] = []
    for (const { call, args: own } of held) {
      try {
        await call(...(args ?? own))
      } catch (error) {
        failures.push(error)
      }
    }
    if (failures.length > 0) throw failures[0]
  }
}
