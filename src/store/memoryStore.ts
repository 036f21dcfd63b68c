import { StoreError } from '../definition/errors.js';
import type { JournalEntry } from '../events/JournalEntry.js';
import { checkWrites } from './checkWrites.js';
import { decodeCursor, encodeCursor, pageSize, statusFilter } from './listCursor.js';
import {
  FINAL_STATUSES,
  type ExecutionWrite,
  type ListPage,
  type ListQuery,
  type SagaStore,
  type StoredExecution,
} from './SagaStore.js';

class MemoryStore implements SagaStore {
  private readonly executions = new Map<string, StoredExecution>();
  private readonly byKey = new Map<string, string>();
  private readonly journals = new Map<string, JournalEntry[]>();
  private closed = false;

  init(): Promise<void> {
    this.closed = false;
    return Promise.resolve();
  }

  commit(writes: readonly ExecutionWrite[]): Promise<void> {
    this.assertOpen();
    checkWrites(
      writes,
      (id) => this.executions.get(id),
      (key) => this.byKey.get(key),
    );
    for (const { execution, journal } of writes) {
      this.executions.set(execution.id, execution);
      if (execution.idempotencyKey !== null) this.byKey.set(execution.idempotencyKey, execution.id);
      const entries = this.journals.get(execution.id) ?? [];
      entries.push(...journal);
      this.journals.set(execution.id, entries);
    }
    return Promise.resolve();
  }

  get(id: string): Promise<StoredExecution | undefined> {
    this.assertOpen();
    return Promise.resolve(this.executions.get(id));
  }

  getByIdempotencyKey(key: string): Promise<StoredExecution | undefined> {
    this.assertOpen();
    const id = this.byKey.get(key);
    return Promise.resolve(id === undefined ? undefined : this.executions.get(id));
  }

  list(query: ListQuery = {}): Promise<ListPage> {
    this.assertOpen();
    const limit = pageSize(query);
    const statuses = statusFilter(query);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const matching = [...this.executions.values()]
      .filter(
        (e) =>
          (statuses === undefined || statuses.includes(e.status)) &&
          (query.saga === undefined || e.saga === query.saga) &&
          (query.createdAfter === undefined || e.createdAt >= query.createdAfter) &&
          (query.createdBefore === undefined || e.createdAt < query.createdBefore) &&
          (after === undefined ||
            e.createdAt < after.createdAt ||
            (e.createdAt === after.createdAt && e.id < after.id)),
      )
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const items = matching.slice(0, limit);
    const last = items.at(-1);
    const nextCursor = matching.length > limit && last !== undefined ? encodeCursor(last) : null;
    return Promise.resolve({ items, nextCursor });
  }

  listUnfinished(): Promise<StoredExecution[]> {
    this.assertOpen();
    return Promise.resolve([...this.executions.values()].filter((e) => !FINAL_STATUSES.includes(e.status)));
  }

  journal(id: string, afterSeq = 0): Promise<JournalEntry[]> {
    this.assertOpen();
    return Promise.resolve((this.journals.get(id) ?? []).filter((e) => e.seq > afterSeq));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('The memory store is closed');
  }
}

/**
 * A store that keeps everything in this process's memory: for tests and demos.
 * Survives `engine.stop()` and a new engine on the same store object, not a crash.
 *
 * @example
 * const engine = new SagaEngine({ store: memoryStore(), sagas: [orderFulfillment] });
 */
export function memoryStore(): SagaStore {
  return new MemoryStore();
}
