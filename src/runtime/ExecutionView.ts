import type { StateValue } from 'xstate';
import type { ErrorRecord, FailurePoint, SagaContext } from '../compile/sagaContext.js';
import type { CompensationReason, ExecutionId } from '../definition/types.js';
import { FINAL_STATUSES, type ExecutionStatus, type StoredExecution } from '../store/SagaStore.js';

/** What `engine.get` and `engine.waitFor` return: one execution, read from its latest durable state. */
export interface ExecutionView<TResults = Record<string, unknown>> {
  readonly id: ExecutionId<TResults>;
  readonly saga: string;
  readonly version: number;
  readonly status: ExecutionStatus;
  /** The statechart's full state value, e.g. `{ Running: { chargePayment: 'backoff' } }`. */
  readonly state: StateValue;
  readonly input: unknown;
  /** Outputs of the completed steps; complete only when `status` is Completed. */
  readonly results: Partial<TResults>;
  readonly completed: readonly string[];
  /** Steps whose outcome is unknown (timed out or cancelled in flight): compensated like completed ones. */
  readonly unknown: readonly string[];
  readonly compensated: readonly string[];
  readonly attempts: Readonly<Record<string, number>>;
  /** Attempts of each compensation so far. */
  readonly compensationAttempts: Readonly<Record<string, number>>;
  /** Absolute due times (epoch ms) of the pending durable timers: `backoff:<step>`, `timeout:<step>`, `compensation-backoff:<step>`. */
  readonly timers: Readonly<Record<string, number>>;
  /** When the saga-wide deadline cancels it (epoch ms), if it has one. */
  readonly deadlineAt: number | null;
  readonly errors: readonly ErrorRecord[];
  /** Why the saga compensated (a step error, a cancellation or the deadline). */
  readonly reason: CompensationReason | null;
  /** For a Failed execution: where it stopped and why; `retry` resumes there. */
  readonly failure: FailurePoint | null;
  readonly idempotencyKey: string | null;
  readonly revision: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** What a view reads of a machine snapshot, persisted or live. */
interface PersistedMachineSnapshot {
  readonly value: StateValue;
  readonly context: SagaContext;
}

/** The top-level state of a state value. */
export function statusOf(value: StateValue): ExecutionStatus {
  if (typeof value === 'string') return value as ExecutionStatus;
  // The first key, without making the array of all of them (this runs several times per transition).
  for (const top in value) return top as ExecutionStatus;
  return 'Running';
}

/** @internal */
export function executionView<TResults = Record<string, unknown>>(stored: StoredExecution): ExecutionView<TResults> {
  return executionViewOf(stored, JSON.parse(stored.snapshot) as PersistedMachineSnapshot);
}

/**
 * The view for the waiters of an execution whose settled state was just committed.
 * A finished one moves no more: its live snapshot is the one just written, which
 * spares parsing back what was just serialised. (A Failed one can still be retried.)
 *
 * @internal
 */
export function settledView(stored: StoredExecution, live: PersistedMachineSnapshot): ExecutionView {
  return FINAL_STATUSES.includes(stored.status) ? executionViewOf(stored, live) : executionView(stored);
}

function executionViewOf<TResults = Record<string, unknown>>(
  stored: StoredExecution,
  snapshot: PersistedMachineSnapshot,
): ExecutionView<TResults> {
  const { context } = snapshot;
  return {
    id: stored.id,
    saga: stored.saga,
    version: stored.version,
    status: stored.status,
    state: snapshot.value,
    input: context.input,
    results: context.results as Partial<TResults>,
    completed: context.completed,
    unknown: context.unknown ?? [],
    compensated: context.compensated,
    attempts: context.attempts,
    compensationAttempts: context.compensationAttempts ?? {},
    timers: context.timers ?? {},
    deadlineAt: context.deadlineAt ?? null,
    errors: context.errors,
    reason: context.reason,
    failure: context.failure,
    idempotencyKey: stored.idempotencyKey,
    revision: stored.revision,
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
  };
}
