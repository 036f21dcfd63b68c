import { StoreError } from '../definition/errors.js';
import type { ExecutionWrite, StoredExecution } from './SagaStore.js';

/** What the commit check needs to know of an inbox command. */
export interface StoredCommandState {
  readonly executionId: string;
  readonly pending: boolean;
}

/** Where an execution's stored history ends, and who holds it. */
export type StoredPosition = Pick<StoredExecution, 'revision' | 'lastSeq' | 'fence'>;

/**
 * The rules every store applies before writing a batch: revisions increase
 * over the stored ones, journal seqs follow without a gap, idempotency keys stay unique,
 * and a command is settled once, by a write of its own execution.
 * Throws before anything is written. Returns the writes to make: those of
 * executions whose stored fence is not the write's (another engine holds them
 * now) are left out and named in `lost`.
 *
 * @internal
 */
export function checkWrites(
  writes: readonly ExecutionWrite[],
  stored: (id: string) => StoredPosition | undefined,
  idForKey: (key: string) => string | undefined,
  command: (id: number) => StoredCommandState | undefined,
): { readonly writes: readonly ExecutionWrite[]; readonly lost: readonly string[] } {
  const lost = new Set<string>();
  for (const { execution } of writes) {
    const before = stored(execution.id);
    if (before !== undefined && before.fence !== execution.fence) lost.add(execution.id);
  }
  const kept = lost.size === 0 ? writes : writes.filter((w) => !lost.has(w.execution.id));
  const seen = new Map<string, StoredPosition>();
  const settled = new Set<number>();
  for (const write of kept) {
    const { execution, journal } = write;
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
    for (const { id } of write.commands ?? []) {
      const stored = command(id);
      if (stored === undefined || stored.executionId !== execution.id || !stored.pending || settled.has(id)) {
        const why = stored === undefined || stored.executionId !== execution.id ? 'is not in its inbox' : 'is settled';
        throw new StoreError(`Execution "${execution.id}": command ${id} ${why}`, { executionId: execution.id });
      }
      settled.add(id);
    }
    seen.set(execution.id, execution);
  }
  return { writes: kept, lost: [...lost] };
}
