import type { AnyActorRef } from 'xstate';
import type { JournalRecord } from '../events/JournalEntry.js';
import type { CommandOutcome } from '../store/InboxCommand.js';
import type { OutboxMessage } from '../store/OutboxMessage.js';
import type { ExecutionWrite } from '../store/SagaStore.js';
import type { RegisteredSaga } from './SagaRegistry.js';

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
  /** The fencing token this engine holds the execution with (see StoredExecution.fence); a claim renews it. */
  fence: number;
  /** Journal entries emitted since the last queued write. */
  pendingJournal: JournalRecord[];
  /** Inbox commands applied or refused since the last queued write. */
  pendingCommands: CommandOutcome[];
  /** Remote commands sent since the last queued write: they go to the outbox with it. */
  pendingOutbox: OutboxMessage[];
  /** The newest inbox command id applied or refused in memory (commands apply in id order). */
  lastCommandId: number;
  lastSnapshot: unknown;
  /** The snapshot JSON of the last write (or of the stored row it was resumed from). */
  lastJson: string | undefined;
  /** What the last write said about parking, so a change of it alone is written too. */
  lastParked: boolean;
  lastWakeAt: number | null;
  unsubscribe: () => void;
  /** Builds its next write from all that happened since the last one (made once, called at each flush). */
  readonly buildWrite: () => ExecutionWrite | undefined;
}
