/**
 * Serialises the node objects junit.xml is built from (`@_name` keys are attributes, `#text` is
 * text, arrays repeat an element) with fast-xml-parser's XMLBuilder: issue 5 asks for an XML
 * library's escaping rather than our own. Two-space indent; an empty element closes itself.
 */
import { createRequire } from 'node:module'
import type { XMLBuilder } from 'fast-xml-parser'

export type XmlValue = XmlNode | readonly XmlValue[] | string | number | boolean | null | undefined
export interface XmlNode {
  [key: string]: XmlValue
}

let builder: XMLBuilder | undefined

/**
 * Loaded on the first junit.xml, not with the plugin: fast-xml-parser takes ~50 ms to import, paid
 * by every run that loads vitest.config.ts (bench/overhead). Synchronous, as writeReports is.
 */
function xmlBuilder(): XMLBuilder {
  if (builder) return builder
  const { XMLBuilder: Builder } = createRequire(import.meta.url)(
    'fast-xml-parser',
  ) as typeof import('fast-xml-parser')
  builder = new Builder({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    textNodeName: '#text',
    format: true,
    suppressEmptyNode: true,
    // Its default writes an attribute whose value is "true" bare (`name`): invalid XML for a test named "true".
    suppressBooleanAttributes: false,
  })
  return builder
}

/** One element and everything under it, ending with a newline. */
export function element(name: string, node: XmlNode): string {
  return xmlBuilder().build({ [name]: node }) as string
}
