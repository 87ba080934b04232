/**
 * The predictor's keys of the `predict` option (the sampler's `interval` is config.ts's): when a
 * prediction is an alarm, how far ahead it looks, and what is done first. Checked at config time,
 * each error naming its key.
 */
import { HealConfigError } from '../errors.js'
import { PREDICT_DEFAULTS } from '../core/predict.js'
import { booleanOption, timeoutOption } from '../services/options.js'
import { DEFAULT_PERSIST } from './act.js'

export interface PredictorOptions {
  /** Probability (0..1] at which a prediction is acted on. Default 0.8. */
  threshold?: number
  /** How far ahead predictions look (ms). Default 30 000. */
  window?: number
  /** Ticks in a row a prediction must be an alarm before anything is done. Default 3. */
  persist?: number
  /** Hold new tests that need the service while the prediction stands. Default true. */
  hold?: boolean
  /** Run a service's reliefs (e.g. pgTerminateIdle) when its saturation is predicted. Default false. */
  relieve?: boolean
  /** Restart an owned service whose memory is predicted to run out. Default false. */
  restart?: boolean
}

export interface ResolvedPredictor {
  threshold: number
  windowMs: number
  persist: number
  hold: boolean
  relieve: boolean
  restart: boolean
}

export const PREDICTOR_KEYS = ['threshold', 'window', 'persist', 'hold', 'relieve', 'restart'] as const

export function resolvePredictor(options: PredictorOptions): ResolvedPredictor {
  const threshold = options.threshold ?? PREDICT_DEFAULTS.threshold
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1))
    throw new HealConfigError('predict.threshold', 'a probability above 0 and at most 1', threshold)
  const persist = options.persist ?? DEFAULT_PERSIST
  if (typeof persist !== 'number' || !Number.isInteger(persist) || persist < 1)
    throw new HealConfigError('predict.persist', 'a whole number of ticks ≥ 1', persist)
  return {
    threshold,
    windowMs: timeoutOption('predict.window', options.window, PREDICT_DEFAULTS.windowMs),
    persist,
    hold: booleanOption('predict.hold', options.hold, true),
    relieve: booleanOption('predict.relieve', options.relieve, false),
    restart: booleanOption('predict.restart', options.restart, false),
  }
}
