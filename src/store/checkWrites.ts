import { StoreError } from '../definition/errors.js';
import type { ExecutionWrite, StoredExecution } from './SagaStore.js';

/** Where an execution's stored history ends. */
export type StoredPosition = Pick<StoredExecution, 'revision' | 'lastSeq'>;

/**
 * The rules every store applies before writing a batch: revisions increase
 * over the stored ones, journal seqs follow without a gap, idempotency keys stay unique.
 * Throws before anything is written.
 *
 * @internal
 */
export function checkWrites(
  writes: readonly ExecutionWrite[],
  stored: (id: string) => StoredPosition | undefined,
  idForKey: (key: string) => string | undefined,
): void {
  const seen = new Map<string, StoredPosition>();
  for (const { execution, journal } of writes) {
    const previous = seen.get(execution.id) ?? stored(execution.id);
    // Several snapshots of one tick merge into one write, so revisions may skip, never go back.
    const storedRevision = previous?.revision ?? 0;
    if (!Number.isInteger(execution.revision) || execution.revision <= storedRevision) {
      throw new StoreError(
        `Execution "${execution.id}": revision ${execution.revision} does not follow stored revision ${storedRevision}`,
        { executionId: execution.id },
      );
    }
    let seq = previous?.lastSeq ?? 0;
    for (const entry of journal) {
      seq += 1;
      if (entry.seq !== seq) {
        throw new StoreError(`Execution "${execution.id}": journal seq ${entry.seq} should be ${seq}`, {
          executionId: execution.id,
        });
      }
    }
    if (execution.lastSeq !== seq) {
      throw new StoreError(`Execution "${execution.id}": lastSeq ${execution.lastSeq} should be ${seq}`, {
        executionId: execution.id,
      });
    }
    const key = execution.idempotencyKey;
    const owner = key === null ? undefined : idForKey(key);
    if (owner !== undefined && owner !== execution.id) {
      throw new StoreError(`Idempotency key "${key}" already belongs to execution "${owner}"`, {
        executionId: execution.id,
      });
    }
    seen.set(execution.id, execution);
  }
}
