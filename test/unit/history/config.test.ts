import { describe, expect, test } from 'vitest'
import { resolveOptions } from '../../../src/config.js'

describe('history option', () => {
  test('default: the embedded store under reportDir/history', () => {
    expect(resolveOptions({}).history).toEqual({ dir: '.vitest-heal/history' })
    expect(resolveOptions({ reportDir: 'out/' }).history).toEqual({ dir: 'out/history' })
  })

  test('false records nothing; url and dir are kept', () => {
    expect(resolveOptions({ history: false }).history).toBe(false)
    expect(resolveOptions({ history: { url: 'postgres://u@h/db' } }).history).toEqual({
      url: 'postgres://u@h/db',
      dir: '.vitest-heal/history',
    })
    expect(resolveOptions({ history: { dir: 'h' } }).history).toEqual({ dir: 'h' })
  })

  test.each([
    [true, /history/],
    ['postgres://x', /history/],
    [{ url: 'mysql://x' }, /history\.url/],
    [{ url: 5 }, /history\.url/],
    [{ dir: '' }, /history\.dir/],
    [{ db: 'x' }, /history\.db/],
  ])('%o is refused, naming the key', (history, key) => {
    expect(() => resolveOptions({ history })).toThrow(key)
  })

  test('a refused url does not print its password', () => {
    expect(() => resolveOptions({ history: { url: 'mysql://u:hunter2@h/db' } })).toThrow(/^(?!.*hunter2)/s)
  })
})
