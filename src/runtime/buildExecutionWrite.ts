import type { StateValue } from 'xstate';
import type { ExecutionWrite } from '../store/SagaStore.js';
import { statusOf } from './ExecutionView.js';
import type { LiveExecution } from './LiveExecution.js';

/**
 * An execution's next write: its persisted snapshot and the journal entries
 * emitted since the last write, numbered. Undefined when nothing changed (a
 * restored actor emits its restored snapshot once more).
 *
 * @internal
 */
export function buildExecutionWrite(
  execution: LiveExecution,
): { write: ExecutionWrite; state: StateValue } | undefined {
  const json = JSON.stringify(execution.actor.getPersistedSnapshot());
  if (json === execution.lastJson && execution.pendingJournal.length === 0) return undefined;
  execution.lastJson = json;
  const journal = execution.pendingJournal.map((record) => ({ ...record, seq: ++execution.lastSeq }));
  execution.pendingJournal = [];
  const { definition } = execution.registered;
  const state = (execution.actor.getSnapshot() as { value: StateValue }).value;
  const write: ExecutionWrite = {
    execution: {
      id: execution.id,
      saga: definition.name,
      version: definition.version,
      definitionHash: definition.hash,
      status: statusOf(state),
      snapshot: json,
      revision: execution.revision,
      lastSeq: execution.lastSeq,
      idempotencyKey: execution.idempotencyKey,
      createdAt: execution.createdAt,
      updatedAt: Date.now(),
    },
    journal,
  };
  return { write, state };
}
