import type { StateValue } from 'xstate';
import type { ExecutionStatus } from '../store/SagaStore.js';
import type { JournalEntry } from './JournalEntry.js';

/**
 * One durable transition of one execution, delivered to `engine.subscribe`
 * listeners after it is committed: what a live view (SSE, the inspector) shows.
 */
export interface SagaLifecycleEvent {
  readonly executionId: string;
  readonly saga: string;
  readonly version: number;
  readonly revision: number;
  readonly status: ExecutionStatus;
  readonly state: StateValue;
  /** The journal entries this transition wrote, in seq order. */
  readonly entries: readonly JournalEntry[];
  readonly at: number;
}

export type SagaLifecycleListener = (event: SagaLifecycleEvent) => void;
