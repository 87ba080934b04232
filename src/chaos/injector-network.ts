/**
 * A network fault as the fault proxy applies it: our fault kinds in Toxiproxy's words (a toxic, or
 * the proxy disabled for `down`), and the one way to end it.
 */
import type { FaultSpec, NetworkFaultKind } from '../core/fault.js'
import type { FaultProxy } from './proxy.js'

/** What the injector needs of a fault proxy. */
export type ProxyControls = Pick<FaultProxy, 'addToxic' | 'removeToxic' | 'disable' | 'enable'>

/** Slices of this many bytes when the spec names none: small enough to split any query or page. */
const DEFAULT_SLICE_BYTES = 16

/** Applies the fault now; the function returned ends it (once, however often it is called). */
export async function applyNetworkFault(
  proxy: ProxyControls,
  kind: NetworkFaultKind,
  params: FaultSpec['params'],
): Promise<() => Promise<void>> {
  if (kind === 'down') {
    // Toxiproxy's `enabled: false`: new connections refused, open ones closed.
    await proxy.disable()
    return once(() => proxy.enable())
  }
  const id = addToxic(proxy, kind, params)
  return once(async () => {
    proxy.removeToxic(id)
  })
}

function addToxic(
  proxy: ProxyControls,
  kind: Exclude<NetworkFaultKind, 'down'>,
  params: FaultSpec['params'],
): string {
  switch (kind) {
    case 'latency':
      // Downstream, Toxiproxy's default: the delay is paid once per request/response round trip.
      return proxy.addToxic('latency', { latency: params.latency ?? 0, jitter: params.jitter ?? 0 })
    case 'reset':
      // Both ways: the next byte either side sends resets the connection, whoever speaks first.
      return proxy.addToxic('reset_peer', { timeout: 0 }, { stream: 'both' })
    case 'timeout':
      // Both ways and never closed by the toxic: the service looks hung until the fault ends.
      return proxy.addToxic('timeout', { timeout: 0 }, { stream: 'both' })
    case 'bandwidth':
      return proxy.addToxic('bandwidth', { rate: params.rate ?? 1 })
    case 'slice': {
      const size = params.averageSize ?? DEFAULT_SLICE_BYTES
      return proxy.addToxic(
        'slicer',
        { average_size: size, size_variation: Math.floor(size / 2), delay: (params.delayMs ?? 0) * 1000 },
        { stream: 'both' },
      )
    }
  }
}

function once(action: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined
  return () => (done ??= action())
}
