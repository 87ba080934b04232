/**
 * Auto-escaping HTML templates: every value interpolated into markup`…` is escaped unless it is
 * markup that this module built itself (`Markup`). A test named `<img src=x onerror=alert(1)>`
 * stays text because nothing has to remember to escape it. The tag is not called `html` so that
 * Prettier does not reformat the markup (and change the page's whitespace).
 */

export class Markup {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

const SPECIAL = /[&<>"']/
const SPECIALS = /[&<>"']/g

export function escapeHtml(text: string): string {
  // Most names and paths need no escaping: test first, replace only when needed.
  return SPECIAL.test(text) ? text.replace(SPECIALS, (c) => ENTITIES[c] ?? c) : text
}

type Value = Markup | string | number | boolean | null | undefined | readonly Value[]

function render(value: Value): string {
  if (value instanceof Markup) return value.value
  if (Array.isArray(value)) return value.map(render).join('')
  if (value === null || value === undefined || value === false) return ''
  return escapeHtml(String(value))
}

export function markup(strings: TemplateStringsArray, ...values: Value[]): Markup {
  let out = strings[0] ?? ''
  for (let i = 0; i < values.length; i++) out += render(values[i] as Value) + (strings[i + 1] ?? '')
  return new Markup(out)
}

/** Trusted markup from constants (a stylesheet, a script): never pass text from a test here. */
export function trusted(value: string): Markup {
  return new Markup(value)
}
