import type { RetryPolicy } from './types.js';

/** A retry policy with every field filled in. */
export type ResolvedRetryPolicy = Required<RetryPolicy>;

/** Steps before the pivot fail fast into compensation unless they ask for retries. */
export const DEFAULT_STEP_RETRY: ResolvedRetryPolicy = {
  maxAttempts: 1,
  initialDelayMs: 100,
  backoffFactor: 2,
  maxDelayMs: 30_000,
};

/**
 * Compensations, and steps after the pivot, must not give up lightly: nothing
 * else can put the world right. About 15 minutes of attempts before a person is asked.
 */
export const DEFAULT_PERSISTENT_RETRY: ResolvedRetryPolicy = {
  maxAttempts: 20,
  initialDelayMs: 500,
  backoffFactor: 2,
  maxDelayMs: 60_000,
};

/** Fills a partial policy from its defaults. */
export function resolveRetryPolicy(
  policy: RetryPolicy | undefined,
  defaults: ResolvedRetryPolicy,
): ResolvedRetryPolicy {
  return {
    maxAttempts: policy?.maxAttempts ?? defaults.maxAttempts,
    initialDelayMs: policy?.initialDelayMs ?? defaults.initialDelayMs,
    backoffFactor: policy?.backoffFactor ?? defaults.backoffFactor,
    maxDelayMs: policy?.maxDelayMs ?? defaults.maxDelayMs,
  };
}

/**
 * The wait before attempt `failedAttempt + 1`: `initialDelayMs * backoffFactor^(failedAttempt - 1)`,
 * capped at `maxDelayMs`.
 *
 * @example
 * backoffDelay({ maxAttempts: 3, initialDelayMs: 100, backoffFactor: 2, maxDelayMs: 1000 }, 2); // 200
 */
export function backoffDelay(policy: ResolvedRetryPolicy, failedAttempt: number): number {
  const delay = policy.initialDelayMs * policy.backoffFactor ** Math.max(0, failedAttempt - 1);
  return Math.min(delay, policy.maxDelayMs);
}
