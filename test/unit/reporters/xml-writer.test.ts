import { describe, expect, it } from 'vitest'
import { element } from '../../../src/reporters/xml-writer.js'

describe('xml-writer', () => {
  it('escapes the five XML specials in text and attributes, nothing else', () => {
    expect(element('e', { '@_a': `a&b<c>d'e"f é😀`, '#text': `a&b<c>d'e"f é😀` })).toBe(
      '<e a="a&amp;b&lt;c&gt;d&apos;e&quot;f é😀">a&amp;b&lt;c&gt;d&apos;e&quot;f é😀</e>\n',
    )
  })

  it('writes the layout junit.xml had: two-space indent, empty elements closed, text on one line', () => {
    const xml = element('testsuite', {
      '@_name': 'a > b',
      '@_tests': 2,
      '@_skip': undefined,
      testcase: [
        { '@_name': 'passes', '@_time': '0.010' },
        {
          '@_name': 'fails',
          properties: { property: [{ '@_name': 'rule', '@_value': 'assertion' }] },
          failure: { '@_message': "expected 'x'", '#text': 'try 1:\nAssertionError' },
          rerunFailure: [],
          flakyError: [{ '@_type': 'Error', stackTrace: 'at <anonymous>' }],
          skipped: '',
          'system-out': 'out & about',
        },
      ],
    })
    expect(xml).toBe(
      [
        '<testsuite name="a &gt; b" tests="2">',
        '  <testcase name="passes" time="0.010"/>',
        '  <testcase name="fails">',
        '    <properties>',
        '      <property name="rule" value="assertion"/>',
        '    </properties>',
        '    <failure message="expected &apos;x&apos;">try 1:',
        'AssertionError</failure>',
        '    <flakyError type="Error">',
        '      <stackTrace>at &lt;anonymous&gt;</stackTrace>',
        '    </flakyError>',
        '    <skipped/>',
        '    <system-out>out &amp; about</system-out>',
        '  </testcase>',
        '</testsuite>',
        '',
      ].join('\n'),
    )
  })
})
