import type { InspectionEvent, Observer } from 'xstate';
import type { TestOnlyCompileOptions } from '../compile/compile.js';
import type { SagaError } from '../definition/errors.js';
import type { AnySagaDefinition, ExecutionId } from '../definition/types.js';
import type { SagaStore } from '../store/SagaStore.js';
import type { PassivationOptions } from './passivationOptions.js';

export interface SagaEngineOptions {
  /** Where executions are kept; `memoryStore()` when not given. */
  readonly store?: SagaStore;
  /** The sagas this engine runs; several versions of one saga may be listed. */
  readonly sagas: readonly AnySagaDefinition[];
  /**
   * XState's inspection observer for every execution's actor, e.g.
   * `createWebSocketInspector({ url }).inspect` from @statelyai/inspect.
   */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** When waiting executions leave memory and how they are woken (see {@link PassivationOptions}). */
  readonly passivation?: PassivationOptions;
  /**
   * Group commit window in ms (0 to 100; 0 turns it off). When writes come
   * back-to-back from many executions in separate ticks, as HTTP requests do,
   * a batch waits up to this long for the executions that moved recently, so
   * they share one transaction (and one fsync). One execution alone never
   * waits, and steps still start only after their state is durable.
   */
  readonly groupCommitWindowMs?: number;
  /** @internal Deliberately broken behaviour for the mutation tests of sagachart/testing. Never set it. */
  readonly testOnly?: TestOnlyCompileOptions;
}

export interface ExecuteResult<TResults = Record<string, unknown>> {
  readonly id: ExecutionId<TResults>;
  /** True when an execution with this executionId or idempotencyKey already existed. */
  readonly existing: boolean;
}

/** What `start()` found in the store. */
export interface RecoveryReport {
  /** Executions resumed because they were moving when the engine stopped; parked ones stay in the store. */
  readonly resumed: number;
  /** Executions left untouched, e.g. because their definition changed shape without a version bump. */
  readonly refused: readonly { readonly id: string; readonly error: SagaError }[];
}
