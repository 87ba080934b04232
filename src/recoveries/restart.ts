/**
 * The first recovery of every owned service: stop what is left of the process (a hung one still
 * runs) and start it again. The wait for health that follows is the caller's.
 */
import type { OwnedLifecycle, Recovery } from '../services/types.js'

/** Stopping a hung process (grace, then SIGKILL) plus spawning it again fits well within this. */
export const RESTART_TIMEOUT_MS = 20_000

export function restartRecovery(
  key: string,
  owned: { lifecycle: OwnedLifecycle; description: string; restart?: () => Promise<void> },
): Recovery {
  const { lifecycle } = owned
  const restart =
    owned.restart ??
    (async () => {
      if (lifecycle.isRunning()) await lifecycle.stop()
      await lifecycle.start()
    })
  return {
    strategy: 'restart',
    description: `restart ${owned.description}`,
    timeoutMs: RESTART_TIMEOUT_MS,
    key,
    run: () => restart(),
  }
}
