import type { StateValue } from 'xstate';
import type { SagaContext } from '../compile/sagaContext.js';
import type { JournalEntry } from '../events/JournalEntry.js';
import type { ExecutionWrite } from '../store/SagaStore.js';
import { statusOf } from './ExecutionView.js';
import type { LiveExecution } from './LiveExecution.js';
import { persistedSnapshotJson } from './persistedSnapshotJson.js';
import { restOf, shouldPark } from './restOf.js';

/**
 * An execution's next write: its persisted snapshot, the journal entries
 * emitted since the last write (numbered), the inbox commands it settled, the
 * remote commands it sends, and
 * whether it parks (leaves memory) with its wake-up time. Undefined when none
 * of that changed (a restored actor emits its restored snapshot once more).
 *
 * @internal
 */
export function buildExecutionWrite(
  execution: LiveExecution,
  parkAfterMs: number,
): { write: ExecutionWrite; state: StateValue } | undefined {
  const now = Date.now();
  const snapshot = execution.actor.getSnapshot() as {
    value: StateValue;
    context: SagaContext;
    children: Record<string, unknown>;
    can(event: { type: string }): boolean;
  };
  const status = statusOf(snapshot.value);
  const rest = restOf(snapshot);
  const parked = status !== 'Completed' && status !== 'Compensated' && shouldPark(rest, now, parkAfterMs);
  const json = persistedSnapshotJson(execution.actor);
  if (
    json === execution.lastJson &&
    execution.pendingJournal.length === 0 &&
    execution.pendingCommands.length === 0 &&
    execution.pendingOutbox.length === 0 &&
    parked === execution.lastParked &&
    rest.wakeAt === execution.lastWakeAt
  ) {
    return undefined;
  }
  execution.lastJson = json;
  execution.lastParked = parked;
  execution.lastWakeAt = rest.wakeAt;
  // The records were made for this write alone: number them in place instead of copying each.
  const journal = execution.pendingJournal as JournalEntry[];
  for (const record of journal) (record as { seq: number }).seq = ++execution.lastSeq;
  execution.pendingJournal = [];
  const commands = execution.pendingCommands;
  if (commands.length > 0) execution.pendingCommands = [];
  const outbox = execution.pendingOutbox;
  if (outbox.length > 0) execution.pendingOutbox = [];
  const { definition } = execution.registered;
  const stored: ExecutionWrite['execution'] = {
    id: execution.id,
    saga: definition.name,
    version: definition.version,
    definitionHash: definition.hash,
    status,
    snapshot: json,
    revision: execution.revision,
    lastSeq: execution.lastSeq,
    idempotencyKey: execution.idempotencyKey,
    createdAt: execution.createdAt,
    updatedAt: now,
    wakeAt: rest.wakeAt,
    parked,
    fence: execution.fence,
  };
  // Commands and outbox messages are rare: most writes are the two fields alone.
  const write: ExecutionWrite =
    commands.length === 0 && outbox.length === 0
      ? { execution: stored, journal }
      : {
          execution: stored,
          journal,
          ...(commands.length > 0 ? { commands } : {}),
          ...(outbox.length > 0 ? { outbox } : {}),
        };
  return { write, state: snapshot.value };
}
