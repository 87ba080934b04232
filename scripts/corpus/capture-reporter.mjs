/**
 * A Vitest reporter that keeps every error exactly as reporters receive it: per test
 * (`testCase.result().errors`), per suite (`TestSuite.errors()`, a failing beforeAll), per module
 * (`TestModule.errors()`, a throw at top level) and unhandled errors.
 */
import { relative } from 'node:path'

export class CaptureReporter {
  /** @type {{ id: string, scope: string, tags: string[], errors: unknown[] }[]} */
  captures = []
  root = ''

  onInit(vitest) {
    this.root = vitest.config.root
  }

  stem(moduleId) {
    return relative(this.root, moduleId).replace(/\.test\.ts$/, '')
  }

  onTestCaseResult(testCase) {
    const errors = testCase.result().errors ?? []
    if (errors.length === 0) return
    this.captures.push({
      id: `${this.stem(testCase.module.moduleId)}/${testCase.fullName}`,
      scope: 'test',
      tags: [...(testCase.tags ?? [])],
      errors,
    })
  }

  onTestSuiteResult(suite) {
    const errors = suite.errors()
    if (errors.length === 0) return
    this.captures.push({
      id: `${this.stem(suite.module.moduleId)}/suite:${suite.fullName}`,
      scope: 'suite',
      tags: [],
      errors,
    })
  }

  onTestModuleEnd(module) {
    const errors = module.errors()
    if (errors.length === 0) return
    this.captures.push({ id: `${this.stem(module.moduleId)}/module`, scope: 'module', tags: [], errors })
  }

  onTestRunEnd(_modules, unhandledErrors) {
    const seen = new Map()
    for (const error of unhandledErrors) {
      const where = error.VITEST_TEST_PATH ? this.stem(error.VITEST_TEST_PATH) : 'unknown'
      const key = `unhandled/${where}/${error.VITEST_TEST_NAME ?? 'module'}`
      const n = (seen.get(key) ?? 0) + 1
      seen.set(key, n)
      this.captures.push({ id: `${key}#${n}`, scope: 'unhandled', tags: [], errors: [error] })
    }
  }
}
