import type { Reporter } from 'vitest/node'
import { describe, expect, test } from 'vitest'
import { ReporterHold } from '../../../src/vitest/reporter-hold.js'

/** A reporter as Vitest's are: a class instance, hooks on the prototype. */
class Recording {
  calls: string[] = []
  onTestRunStart() {
    this.calls.push('start')
  }
  onTestCaseResult() {
    this.calls.push('case')
  }
  onTestRunEnd(modules: unknown[], errors: unknown[], reason: string) {
    this.calls.push(`end ${modules.length} ${errors.length} ${reason}`)
  }
}

const end = (r: Reporter, ...args: [unknown[], unknown[], string]) =>
  (r.onTestRunEnd as unknown as (...a: unknown[]) => unknown)(...args)

describe('ReporterHold', () => {
  test('first pass live, its end held; second pass muted; one end with what release is given', async () => {
    const user = new Recording()
    const ours = new Recording()
    const hold = new ReporterHold()
    hold.install([user, ours] as unknown as Reporter[], new Set([ours]))
    for (const r of [user, ours] as unknown as Reporter[]) {
      r.onTestRunStart?.([])
      r.onTestCaseResult?.({} as never)
      end(r, [1, 2], ['e'], 'failed')
    }
    expect(user.calls).toEqual(['start', 'case'])
    expect(ours.calls).toEqual(['start', 'case', 'end 2 1 failed'])
    expect(hold.firstRunEnd()?.[2]).toBe('failed')

    hold.mute()
    const u = user as unknown as Reporter
    u.onTestRunStart?.([])
    u.onTestCaseResult?.({} as never)
    end(u, [1], [], 'passed')
    expect(user.calls).toEqual(['start', 'case'])

    await hold.release([[1, 2, 3] as never, [], 'passed'])
    expect(user.calls).toEqual(['start', 'case', 'end 3 0 passed'])
    // Still the same object, of the same class: Vitest tests its reporters with instanceof.
    expect(user).toBeInstanceOf(Recording)
    await hold.release()
    expect(user.calls).toHaveLength(3)
    // A later run through the Node API, after ours ended, is told as it happens.
    end(u, [1], [], 'passed')
    expect(user.calls.at(-1)).toBe('end 1 0 passed')
  })

  test('release without a merged account tells what the first pass said', async () => {
    const user = new Recording()
    const hold = new ReporterHold()
    hold.install([user] as unknown as Reporter[], new Set())
    end(user as unknown as Reporter, [1], [], 'failed')
    await hold.release()
    expect(user.calls).toEqual(['end 1 0 failed'])
  })

  test('a reporter that throws does not stop the others; its error is thrown after', async () => {
    const broken = { onTestRunEnd: () => Promise.reject(new Error('disk full')) }
    const user = new Recording()
    const hold = new ReporterHold()
    hold.install([broken, user] as unknown as Reporter[], new Set())
    end(broken as unknown as Reporter, [], [], 'passed')
    end(user as unknown as Reporter, [], [], 'passed')
    await expect(hold.release()).rejects.toThrow('disk full')
    expect(user.calls).toEqual(['end 0 0 passed'])
  })
})
