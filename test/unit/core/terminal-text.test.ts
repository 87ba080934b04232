/**
 * Text from tests (names, error messages) printed to a terminal or a CI log stays text: no escape
 * sequence reaches the terminal, no line of it starts a GitHub workflow command.
 */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { terminalLine, terminalText } from '../../../src/core/terminal-text.js'

const ESC = '\x1b'

describe('terminalText', () => {
  test.each([
    ['an OSC 8 hyperlink (BEL)', `click ${ESC}]8;;http://evil\x07here${ESC}]8;;\x07 now`, 'click here now'],
    ['an OSC 8 hyperlink (ST)', `${ESC}]8;;http://evil${ESC}\\x${ESC}]8;;${ESC}\\`, 'x'],
    ['a window title', `${ESC}]0;pwned\x07ok`, 'ok'],
    ['colours', `${ESC}[31mred${ESC}[39m ${ESC}[1;4mbold`, 'red bold'],
    ['cursor movement and erase', `a${ESC}[2K${ESC}[1A${ESC}[?25lb`, 'ab'],
    ['a terminal reset and a charset switch', `${ESC}ca${ESC}(Bb`, 'ab'],
    ['an unterminated OSC', `ok ${ESC}]8;;http://evil`, 'ok '],
    ['a DCS string', `${ESC}Pq#0;2;0;0;0${ESC}\\done`, 'done'],
    ['C1 controls (8-bit CSI, NEL)', 'a\u009b31mb\u0085c', 'a31mbc'],
    ['carriage returns, backspaces, bells', 'safe\rfake\b\x07\x00', 'safefake'],
    ['a lone ESC at the end', `end${ESC}`, 'end'],
  ])('strips %s', (_what, input, expected) => {
    expect(terminalText(input)).toBe(expected)
  })

  test('keeps line breaks, tabs and ordinary Unicode', () => {
    expect(terminalText('a\n\tb — ✓ ünïcødé 😀')).toBe('a\n\tb — ✓ ünïcødé 😀')
  })

  test('no line starts a workflow command, however it is indented', () => {
    expect(terminalText('n\n::warning::forged')).toBe('n\n:\u200b:warning::forged')
    expect(terminalText('  ::error file=x::y')).toBe('  :\u200b:error file=x::y')
    expect(terminalText('::add-mask::x\n \t::set-output name=a::b')).toBe(
      ':\u200b:add-mask::x\n \t:\u200b:set-output name=a::b',
    )
    expect(terminalText('a::b stays')).toBe('a::b stays')
    // CR is no way around it: GitHub's runner splits lines on CR too, and CR is stripped.
    expect(terminalText('x\r::warning::forged')).toBe('x::warning::forged')
  })

  test('for any text: no ESC, no C0/C1 control but tab and newline, no line starting with ::', () => {
    const piece = fc.constantFrom(
      ESC,
      '[',
      ']',
      '\x07',
      '\\',
      '\n',
      '\r',
      ':',
      '::',
      ' ',
      '\t',
      '\u009b',
      'a',
      '8;;',
      'P',
    )
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(piece, { maxLength: 30 }).map((p) => p.join('')),
        ),
        (text) => {
          const out = terminalText(text)
          expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/)
          for (const line of out.split('\n')) expect(line.trimStart().startsWith('::')).toBe(false)
        },
      ),
      { numRuns: 2000 },
    )
  })

  // A quadratic scan would take hours here; linear takes ~0.1 s even though every unit is a match.
  test('linear: a million characters of escape sequence openers in well under a second', () => {
    for (const unit of [`${ESC}]`, `${ESC}[1`, '\n ::', `${ESC}P\x07`]) {
      const started = performance.now()
      terminalText(unit.repeat(Math.ceil(1_000_000 / unit.length)))
      expect(performance.now() - started).toBeLessThan(1_000)
    }
  })
})

describe('terminalLine', () => {
  test('a test name with a line break stays on its line and cannot start a command', () => {
    expect(terminalLine('n\n::warning::forged')).toBe('n ::warning::forged')
    expect(terminalLine('::warning::forged')).toBe(':\u200b:warning::forged')
    expect(terminalLine('a\r\nb\tc')).toBe('a b c')
  })
})
