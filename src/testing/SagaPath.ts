import type { ExecutionStatus } from '../store/SagaStore.js';

/**
 * What a step does on a path:
 * - `ok`: runs the saga's own code;
 * - `flaky`: its first attempt fails, the retry runs the saga's code;
 * - `fail`: fails on every attempt, also after an operator's retry;
 * - `recover`: fails on every attempt until an operator retries the Failed execution, then runs the saga's code;
 * - `timeout`: runs the saga's code (its effect applied), then hangs until its timeout fires: its outcome is unknown;
 * - `cancelInBackoff`: its first attempt fails and an operator cancels during the retry backoff;
 * - `cancelInFlight`: runs the saga's code, then an operator cancels while it is still in flight: its outcome is unknown;
 * - `deadline`: runs the saga's code, and is still in flight when the saga's deadline passes (before the pivot);
 * - `afterDeadline`: starts after the saga's deadline passed (after the pivot), then runs the saga's code.
 */
export type StepFate =
  'ok' | 'flaky' | 'fail' | 'recover' | 'timeout' | 'cancelInBackoff' | 'cancelInFlight' | 'deadline' | 'afterDeadline';
export type WaitFate = 'arrive' | 'timeout' | 'cancel';
/** What a compensation does: runs the saga's code, fails on every attempt, or fails until an operator's retry. */
export type CompensationFate = 'ok' | 'fail' | 'recover';

/** The kind of scenario a path is, for listing and filtering. */
export type SagaPathKind = 'success' | 'failure' | 'operator';

/** One path through a saga's chart: the faults and operator actions that make it, and what must happen. */
export interface SagaPath {
  /** e.g. `reserveStock fails -> undo processPayment -> undo createOrder -> Compensated` */
  readonly name: string;
  readonly kind: SagaPathKind;
  /** The events of the path through the saga's outline statechart, in order. */
  readonly events: readonly string[];
  readonly steps: Readonly<Record<string, StepFate>>;
  readonly waits: Readonly<Record<string, WaitFate>>;
  readonly compensations: Readonly<Record<string, CompensationFate>>;
  /** How many times an operator retries the Failed execution. */
  readonly retries: number;
  /** The execution runs with a deadline that passes on the path. */
  readonly deadline: boolean;
  readonly expected: {
    readonly status: Extract<ExecutionStatus, 'Completed' | 'Compensated' | 'Failed'>;
    /** Steps (and awaited events) that complete, in order; parallel branches in declared order. */
    readonly completed: readonly string[];
    /** Steps whose outcome is unknown (timed out, or in flight at a cancel or the deadline): compensated too. */
    readonly unknown: readonly string[];
    /** Compensations that complete, in order; each inner array is a group compensated side by side. */
    readonly compensations: readonly (readonly string[])[];
    /** Why the saga compensates, when it does because of a cancellation or the deadline. */
    readonly reason?: 'cancelled' | 'deadline';
    /** An operator's cancel is refused (past the pivot). */
    readonly cancelRefused?: boolean;
  };
}
