import { describe, expect, it } from 'vitest'
import { lineInTestFile } from '../../../src/core/test-location.js'

const TEST_FILE = '/repo/test/users.test.ts'

describe('lineInTestFile', () => {
  it('takes the first frame in the test file, not a helper frame above it', () => {
    const error = {
      message: 'expected 4 to be 5',
      stacks: [
        { file: '/repo/test/helpers/db.ts', line: 3, column: 9, method: 'query' },
        { file: TEST_FILE, line: 16, column: 17, method: '' },
        { file: TEST_FILE, line: 40, column: 1, method: '' },
      ],
    }
    expect(lineInTestFile([error], TEST_FILE)).toBe(16)
  })

  it('prefers the earlier error: the first failed try decides', () => {
    const first = { stacks: [{ file: TEST_FILE, line: 12 }] }
    const second = { stacks: [{ file: TEST_FILE, line: 30 }] }
    expect(lineInTestFile([first, second], TEST_FILE)).toBe(12)
  })

  it('skips an error with no frame in the file and reads the next one', () => {
    const helperOnly = { stacks: [{ file: '/repo/src/app.ts', line: 8 }] }
    const inFile = { stacks: [{ file: TEST_FILE, line: 21 }] }
    expect(lineInTestFile([helperOnly, inFile], TEST_FILE)).toBe(21)
  })

  it('is undefined without a usable frame: no stacks, malformed frames, another file', () => {
    expect(lineInTestFile([], TEST_FILE)).toBeUndefined()
    expect(lineInTestFile([{ message: 'no stacks' }], TEST_FILE)).toBeUndefined()
    expect(
      lineInTestFile(
        [
          { stacks: 'not an array' },
          { stacks: [null, 7, { file: TEST_FILE, line: 0 }, { file: TEST_FILE, line: '9' }] },
        ],
        TEST_FILE,
      ),
    ).toBeUndefined()
    expect(
      lineInTestFile([{ stacks: [{ file: '/repo/test/other.test.ts', line: 5 }] }], TEST_FILE),
    ).toBeUndefined()
  })
})
