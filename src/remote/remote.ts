import { PermanentError } from '../definition/errors.js';
import type { StepContext } from '../definition/types.js';

const REMOTE = Symbol.for('sagachart.remote');

/** Builds a remote command's payload from what a step's `run` (or `compensate`) receives. */
export type RemotePayload<TInput> = (ctx: StepContext<TInput>) => unknown;

/** What `remote()` marks a step function with: where its command goes and what it carries. */
export interface RemoteCall {
  /** The subject the command is published to, e.g. `inventory.reserve`. */
  readonly subject: string;
  readonly payload: RemotePayload<never> | undefined;
}

/** A step function whose work a participant in another process does. */
export type RemoteStepFunction<TOutput = unknown> = ((ctx: StepContext<never>) => Promise<TOutput>) & {
  readonly [REMOTE]: RemoteCall;
};

const SUBJECT = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/**
 * A step's `run` or `compensate` done by a participant elsewhere: the engine writes
 * the command to its outbox in the same commit as the state that starts the step,
 * a relay (`sagachart/nats`) publishes it, and the participant's reply completes
 * (or fails) the step. The payload defaults to the saga's input.
 *
 * @example
 * step('reserveStock', {
 *   run: remote('inventory.reserve', ({ input }) => ({ sku: input.sku, qty: input.qty })),
 *   compensate: remote('inventory.release'),
 *   timeoutMs: 10_000,
 * });
 */
export function remote<TOutput = unknown, TInput = any>(
  subject: string,
  payload?: RemotePayload<TInput>,
): RemoteStepFunction<TOutput> {
  if (typeof subject !== 'string' || !SUBJECT.test(subject)) {
    throw new TypeError(`remote(): "${String(subject)}" is not a subject (dot-separated tokens, no wildcards)`);
  }
  const call: RemoteCall = { subject, payload: payload };
  const fn = (): Promise<TOutput> =>
    // Only reached when a compiled machine runs outside an engine (nothing relays the command).
    Promise.reject(new PermanentError(`Remote step "${subject}" needs a SagaEngine to send its command`));
  return Object.assign(fn, { [REMOTE]: call });
}

/** The remote call a step function stands for, if it was made by `remote()`. @internal */
export function remoteCallOf(fn: unknown): RemoteCall | undefined {
  if (typeof fn !== 'function') return undefined;
  return (fn as Partial<RemoteStepFunction>)[REMOTE];
}
