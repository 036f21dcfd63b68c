import type { AnyActorRef } from 'xstate';
import type { JournalRecord } from '../events/JournalEntry.js';
import type { RegisteredSaga } from './SagaRegistry.js';
import type { ExecutionView } from './ExecutionView.js';

export interface SettleWaiter {
  readonly resolve: (view: ExecutionView) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * An execution held in memory by this engine: its actor and what is needed to
 * write its next revision.
 *
 * @internal
 */
export interface LiveExecution {
  readonly id: string;
  readonly registered: RegisteredSaga;
  readonly actor: AnyActorRef;
  readonly createdAt: number;
  readonly idempotencyKey: string | null;
  revision: number;
  lastSeq: number;
  /** Journal entries emitted since the last queued write. */
  pendingJournal: JournalRecord[];
  lastSnapshot: unknown;
  lastJson: string | undefined;
  waiters: SettleWaiter[];
  unsubscribe: () => void;
}
