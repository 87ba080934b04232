/**
 * Which services a test needs, from its `needs:<service>` tags and the services' `tests` globs.
 * One answer feeds two questions: whom to blame when the evidence is ambiguous, and which tests
 * wait while a service is being healed.
 */

export interface ServiceClaim {
  name: string
  /** True when the service's `tests` globs claim this file. */
  claims(file: string): boolean
}

export interface TestIdentity {
  /** Module path relative to the project root, `/`-separated. */
  file: string
  tags: readonly string[]
}

export const NEEDS_PREFIX = 'needs:'
export const HEAL_TAG = 'heal'
export const HEAL_OFF_TAG = 'heal:off'

/** The services a test declares or is claimed by; empty when nothing is declared for it. */
export function servicesNeeded(test: TestIdentity, claims: readonly ServiceClaim[]): string[] {
  const needed = new Set<string>()
  for (const tag of test.tags) {
    if (tag.startsWith(NEEDS_PREFIX)) needed.add(tag.slice(NEEDS_PREFIX.length))
  }
  for (const claim of claims) {
    if (claim.claims(test.file)) needed.add(claim.name)
  }
  return [...needed]
}

/**
 * Whether vitest-heal may retry or heal this test: never with `heal:off`; with `optIn`, only tests
 * tagged `heal` or needing a service (by tag or glob).
 */
export function isHealed(test: TestIdentity, claims: readonly ServiceClaim[], optIn: boolean): boolean {
  if (test.tags.includes(HEAL_OFF_TAG)) return false
  if (!optIn) return true
  return test.tags.includes(HEAL_TAG) || servicesNeeded(test, claims).length > 0
}
