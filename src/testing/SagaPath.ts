import type { ExecutionStatus } from '../store/SagaStore.js';

/** What a step, compensation or awaited event does on a path. */
export type StepFate = 'ok' | 'flaky' | 'fail' | 'timeout';
export type WaitFate = 'arrive' | 'timeout' | 'cancel';
export type CompensationFate = 'ok' | 'fail';

/** One path through a saga's chart: the faults that make it, and what must happen. */
export interface SagaPath {
  /** e.g. `reserveStock fails -> undo processPayment -> undo createOrder -> Compensated` */
  readonly name: string;
  /** The events of the path through the saga's outline statechart, in order. */
  readonly events: readonly string[];
  readonly steps: Readonly<Record<string, StepFate>>;
  readonly waits: Readonly<Record<string, WaitFate>>;
  readonly compensations: Readonly<Record<string, CompensationFate>>;
  readonly expected: {
    readonly status: Extract<ExecutionStatus, 'Completed' | 'Compensated' | 'Failed'>;
    /** Steps (and awaited events) that complete, in order; parallel branches in declared order. */
    readonly completed: readonly string[];
    /** Compensations that complete, in order; each inner array is a group compensated side by side. */
    readonly compensations: readonly (readonly string[])[];
  };
}
