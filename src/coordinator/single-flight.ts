/**
 * One recovery per service at a time, and one per outage: concurrent requests join the recovery
 * in flight, and a request about a failure that happened before the last recovery finished
 * reuses that recovery's result (a worker that noticed the outage late must not start a second).
 */

export interface FlightAnswer<T> {
  value: T
  /** Numbered per single-flight instance, so answers can be tied to their recovery. */
  recoveryId: number
  /** `started`: this request ran the recovery; `joined`: it was in flight; `reused`: it had finished. */
  role: 'started' | 'joined' | 'reused'
  /** Requests this recovery has answered so far, this one included. */
  requests: number
}

export interface FlightInfo {
  recoveryId: number
  startedAt: number
  /** Null while in flight. */
  finishedAt: number | null
  requests: number
}

interface Flight<T> extends FlightInfo {
  promise: Promise<T>
}

export interface SingleFlight<T> {
  request(service: string, failure: { failedAt: number }, recover: () => Promise<T>): Promise<FlightAnswer<T>>
  /** The recovery in flight for the service, or else the last finished one. */
  last(service: string): FlightInfo | undefined
  inFlight(service: string): boolean
  /** Resolves when the recovery in flight (if any) has settled, without joining it as a request. */
  settled(service: string): Promise<void>
}

export function createSingleFlight<T>(now: () => number = Date.now): SingleFlight<T> {
  const flights = new Map<string, Flight<T>>()
  let nextId = 1

  async function answer(flight: Flight<T>, role: FlightAnswer<T>['role']): Promise<FlightAnswer<T>> {
    flight.requests++
    const value = await flight.promise
    return { value, recoveryId: flight.recoveryId, role, requests: flight.requests }
  }

  function start(service: string, recover: () => Promise<T>): Flight<T> {
    const flight: Flight<T> = {
      recoveryId: nextId++,
      startedAt: now(),
      finishedAt: null,
      requests: 0,
      promise: undefined!,
    }
    // Deferred one tick so `recover` never runs inside the caller's synchronous stack, and the
    // flight is registered before it can finish.
    flight.promise = Promise.resolve()
      .then(recover)
      .finally(() => {
        flight.finishedAt = now()
      })
    flights.set(service, flight)
    return flight
  }

  return {
    request(service, failure, recover) {
      const current = flights.get(service)
      if (current && current.finishedAt === null) return answer(current, 'joined')
      // Same millisecond counts as before: the worker saw the failure before it could know of the recovery.
      if (current && current.finishedAt !== null && failure.failedAt <= current.finishedAt)
        return answer(current, 'reused')
      return answer(start(service, recover), 'started')
    },
    last(service) {
      const flight = flights.get(service)
      if (!flight) return undefined
      const { recoveryId, startedAt, finishedAt, requests } = flight
      return { recoveryId, startedAt, finishedAt, requests }
    },
    inFlight(service) {
      return flights.get(service)?.finishedAt === null
    },
    async settled(service) {
      await flights.get(service)?.promise.catch(() => undefined)
    },
  }
}
