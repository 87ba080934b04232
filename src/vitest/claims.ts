/**
 * The services' `tests` globs, compiled: which service claims which test file. One place for the
 * worker runner, the second pass and the Selenium fixture. The runner imports it only when some
 * service has globs, so picomatch is not loaded per test file otherwise.
 */
import picomatch from 'picomatch'
import type { ServiceClaim } from '../core/needs.js'

export function serviceClaims(
  services: readonly { name: string; tests: readonly string[] }[],
): ServiceClaim[] {
  return services
    .filter((service) => service.tests.length > 0)
    .map((service) => ({ name: service.name, claims: picomatch([...service.tests]) }))
}
