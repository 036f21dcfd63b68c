import type { CompensationContext, CompensationReason, StepContext } from '../definition/types.js';
import { idempotencyKeyFor } from './idempotencyKey.js';
import type { SagaContext } from './sagaContext.js';
import type { SagaPlan } from './sagaPlan.js';
import { inputForStep, resultsForStep } from './schemaValues.js';
import type { StepActorInput } from './stepActors.js';

/** What `run` or `compensate` (or a remote step's payload builder) is called with. */
export type AnyStepContext = StepContext<unknown> & Partial<Omit<CompensationContext<unknown, unknown>, 'result'>>;

const NO_REASON: CompensationReason = { kind: 'error', message: 'unknown' };

/**
 * A copy of a value from the saga's context for user code: plain objects,
 * arrays, Dates, Maps and Sets are copied all the way down; anything else (an
 * instance a schema's transform built) is handed over as it is, since there is
 * no faithful way to copy it.
 */
function copyForStep<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => copyForStep(item)) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (value instanceof Map) return new Map([...value].map(([k, v]: [unknown, unknown]) => [k, copyForStep(v)])) as T;
  if (value instanceof Set) return new Set([...value].map((item: unknown) => copyForStep(item))) as T;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const copy: Record<string, unknown> = proto === null ? (Object.create(null) as Record<string, unknown>) : {};
  for (const key of Object.keys(value)) copy[key] = copyForStep((value as Record<string, unknown>)[key]);
  return copy as T;
}

/**
 * Gives `target` a property `key` that is a copy of `source()`, made when first
 * read and kept; writable, like the context's other fields.
 */
function copyOnRead(target: object, key: string, source: () => unknown): void {
  let kept: { value: unknown } | undefined;
  Object.defineProperty(target, key, {
    get: () => (kept ??= { value: copyForStep(source()) }).value,
    set: (value: unknown) => {
      kept = { value };
    },
    enumerable: true,
    configurable: true,
  });
}

/**
 * The context one call of user code gets. `input`, `results` and a
 * compensation's `result` are its own copies, made when first read and kept
 * for the call, so step code that mutates them cannot change the execution's
 * state or what is persisted; a step that reads none of them copies nothing.
 * They stay writable, like the other fields, so no existing step code throws.
 *
 * @internal
 */
export function stepContextFor(
  plan: SagaPlan,
  call: StepActorInput,
  context: SagaContext,
  /** Where the call's abort signal comes from; read only when step code reads `signal` (most never do). */
  effect: { readonly signal: AbortSignal },
  fence: number,
): AnyStepContext {
  // Parsed up front (cached, so cheap) so a value that no longer fits its schema fails the call before user code runs.
  const parsedInput = inputForStep(plan, context.input);
  const parsedResults = resultsForStep(plan, context.results);
  const ctx = {
    idempotencyKey: idempotencyKeyFor(call.executionId, call.step, call.kind),
    attempt: call.attempt,
    get signal(): AbortSignal {
      return effect.signal;
    },
    executionId: call.executionId,
    fence,
  } as AnyStepContext;
  copyOnRead(ctx, 'input', () => parsedInput);
  copyOnRead(ctx, 'results', () => parsedResults);
  if (call.kind === 'run') return ctx;
  const reason = { ...(context.reason ?? NO_REASON) };
  // A step that never reported back (timed out, aborted) may still hold its effect.
  if (!context.completed.includes(call.step)) return Object.assign(ctx, { outcome: 'unknown' as const, reason });
  copyOnRead(ctx, 'result', () => context.results[call.step]);
  return Object.assign(ctx, { outcome: 'completed' as const, reason });
}
