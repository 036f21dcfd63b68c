import { InvalidOperationError } from '../definition/errors.js';

/** When waiting executions leave memory, and how the engine finds them again. */
export interface PassivationOptions {
  /**
   * An execution with no step in flight whose next timer is further away than this (ms),
   * or that waits for an event or a person, is written with its wake-up time and leaves
   * memory. 5000 when not given; 0 parks every wait.
   */
  readonly thresholdMs?: number | undefined;
  /** How often the store is asked for due executions besides the engine's own timers (ms); 1000 when not given. */
  readonly pollIntervalMs?: number | undefined;
  /** How many due executions one claim takes at most; 200 when not given. */
  readonly batchSize?: number | undefined;
}

/** @internal */
export interface ResolvedPassivation {
  readonly thresholdMs: number;
  readonly pollIntervalMs: number;
  readonly batchSize: number;
}

const whole = (name: string, value: number | undefined, fallback: number, min: number): number => {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidOperationError(`Invalid passivation.${name} ${String(value)}: use a whole number >= ${min}`);
  }
  return value;
};

/** @internal */
export function resolvePassivation(options: PassivationOptions = {}): ResolvedPassivation {
  return {
    thresholdMs: whole('thresholdMs', options.thresholdMs, 5_000, 0),
    pollIntervalMs: whole('pollIntervalMs', options.pollIntervalMs, 1_000, 1),
    batchSize: whole('batchSize', options.batchSize, 200, 1),
  };
}
