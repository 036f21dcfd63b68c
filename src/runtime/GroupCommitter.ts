import { StoreError } from '../definition/errors.js';
import { safeMessage } from '../definition/plainJson.js';
import type { ExecutionWrite, SagaStore } from '../store/SagaStore.js';

interface Waiter {
  readonly revision: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Builds an execution's write when its batch is flushed, from everything that
 * happened since its last write; `undefined` when there is nothing to write.
 */
export type WriteBuilder = () => ExecutionWrite | undefined;

interface Pending {
  readonly revision: number;
  readonly build: WriteBuilder;
}

/**
 * Group commit: the writes of every execution that changed in one tick go to
 * the store in one transaction. Writes are built at flush time, so an execution
 * that moved several times in a tick is serialised once. One batch is in
 * flight at a time, so an execution's revisions reach the store in order, and
 * writes queued while a batch commits form the next batch.
 *
 * @internal
 */
export class GroupCommitter {
  private pending = new Map<string, Pending>();
  private readonly queuedRevision = new Map<string, number>();
  private readonly durableRevision = new Map<string, number>();
  private readonly waiters = new Map<string, Waiter[]>();
  private scheduled = false;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: SagaStore,
    private readonly onCommitted: (writes: readonly ExecutionWrite[]) => void,
    private readonly onFailed: (writes: readonly ExecutionWrite[], error: StoreError) => void,
    private readonly onUnwritable: (id: string, error: StoreError) => void,
  ) {}

  /** Marks an execution changed up to `revision`; `build` makes its write at flush time. */
  enqueue(id: string, revision: number, build: WriteBuilder): void {
    this.pending.set(id, { revision, build });
    this.queuedRevision.set(id, revision);
    this.schedule();
  }

  /** Resolves once everything queued so far for this execution is committed. */
  durable(id: string): Promise<void> {
    const revision = this.queuedRevision.get(id);
    if (revision === undefined || (this.durableRevision.get(id) ?? 0) >= revision) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(id) ?? [];
      list.push({ revision, resolve, reject });
      this.waiters.set(id, list);
    });
  }

  /** Resolves when nothing is queued or in flight. */
  async idle(): Promise<void> {
    while (this.flushing !== undefined || this.pending.size > 0) {
      if (this.flushing === undefined) this.startFlush();
      await this.flushing?.catch(() => undefined);
    }
  }

  /** Drops what the committer knows of an execution that left memory. */
  forget(id: string): void {
    if (this.pending.has(id)) return;
    this.queuedRevision.delete(id);
    this.durableRevision.delete(id);
  }

  /** Throws away an execution's queued writes after a failed commit; its waiters get `error`. */
  discard(id: string, error: StoreError): void {
    this.pending.delete(id);
    this.settle(id, Number.POSITIVE_INFINITY, error);
    this.queuedRevision.delete(id);
    this.durableRevision.delete(id);
  }

  private schedule(): void {
    if (this.scheduled || this.flushing !== undefined) return;
    this.scheduled = true;
    // setImmediate lets every execution that moves in this tick join the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.startFlush();
    });
  }

  private startFlush(): void {
    if (this.flushing !== undefined || this.pending.size === 0) return;
    const taken = this.pending;
    this.pending = new Map();
    const batch: ExecutionWrite[] = [];
    const unwritable: { id: string; error: StoreError }[] = [];
    for (const [id, { revision, build }] of taken) {
      let write: ExecutionWrite | undefined;
      try {
        write = build();
      } catch (cause) {
        // One execution that cannot be serialised fails alone, never the batch or the process.
        const message = `Execution "${id}" could not be written: ${safeMessage(cause)}`;
        unwritable.push({ id, error: new StoreError(message, { executionId: id, cause }) });
        continue;
      }
      if (write === undefined) this.markDurable(id, revision);
      else batch.push(write);
    }
    for (const { id, error } of unwritable) {
      this.discard(id, error);
      this.onUnwritable(id, error);
    }
    this.flushing = this.commit(batch).finally(() => {
      this.flushing = undefined;
      if (this.pending.size > 0) this.schedule();
    });
  }

  private async commit(batch: readonly ExecutionWrite[]): Promise<void> {
    if (batch.length === 0) return;
    try {
      await this.store.commit(batch);
    } catch (cause) {
      const error = cause instanceof StoreError ? cause : new StoreError(`Commit failed: ${String(cause)}`, { cause });
      for (const { execution } of batch) this.settle(execution.id, Number.POSITIVE_INFINITY, error);
      this.onFailed(batch, error);
      return;
    }
    for (const { execution } of batch) this.markDurable(execution.id, execution.revision);
    this.onCommitted(batch);
  }

  private markDurable(id: string, revision: number): void {
    this.durableRevision.set(id, revision);
    this.settle(id, revision, undefined);
  }

  private settle(id: string, revision: number, error: StoreError | undefined): void {
    const list = this.waiters.get(id);
    if (list === undefined) return;
    const remaining = list.filter((w) => {
      if (w.revision > revision) return true;
      if (error === undefined) w.resolve();
      else w.reject(error);
      return false;
    });
    if (remaining.length > 0) this.waiters.set(id, remaining);
    else this.waiters.delete(id);
  }
}
