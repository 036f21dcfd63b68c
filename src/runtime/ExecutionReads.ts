import type { AnyStateMachine } from 'xstate';
import { ExecutionNotFoundError } from '../definition/errors.js';
import type { AnySagaDefinition, ExecutionId } from '../definition/types.js';
import type { JournalEntry } from '../events/JournalEntry.js';
import type { EngineInfo, FeedEntry, ListQuery, SagaStore, StatusCount } from '../store/SagaStore.js';
import { executionView, type ExecutionView } from './ExecutionView.js';
import type { SagaRegistry } from './SagaRegistry.js';

/**
 * What the engine reads: its registered sagas, and from its store executions
 * as last made durable, journals, the global feed and counts. Reads need no
 * engine state, so they answer for every execution, held here, by another
 * engine, or parked.
 */
export abstract class ExecutionReads {
  protected abstract readonly registry: SagaRegistry;

  constructor(protected readonly store: SagaStore) {}

  /** The newest version of every registered saga. */
  sagas(): AnySagaDefinition[] {
    return this.registry.all().map((r) => r.definition);
  }

  /** A registered saga's definition (newest version unless given). */
  definition(saga: string, version?: number): AnySagaDefinition {
    return (version === undefined ? this.registry.latest(saga) : this.registry.version(saga, version)).definition;
  }

  /** The compiled machine of a registered saga (newest version unless given). */
  machine(saga: string, version?: number): AnyStateMachine {
    return (version === undefined ? this.registry.latest(saga) : this.registry.version(saga, version)).machine;
  }

  /** The execution as last made durable. */
  get<TResults = Record<string, unknown>>(id: ExecutionId<TResults>): Promise<ExecutionView<TResults>>;
  async get(id: string): Promise<ExecutionView> {
    const stored = await this.store.get(id);
    if (stored === undefined) throw new ExecutionNotFoundError(id);
    return executionView(stored);
  }

  /** Executions newest first, filtered; pass `nextCursor` back as `cursor` for the next page. */
  async list(query: ListQuery = {}): Promise<{ items: ExecutionView[]; nextCursor: string | null }> {
    const page = await this.store.list(query);
    return { items: page.items.map((s) => executionView(s)), nextCursor: page.nextCursor };
  }

  /** The execution's journal, oldest first; `afterSeq` skips what a reader already has. */
  async journal(id: string, afterSeq = 0): Promise<JournalEntry[]> {
    if ((await this.store.get(id)) === undefined) throw new ExecutionNotFoundError(id);
    return this.store.journal(id, afterSeq);
  }

  /** Journal entries of all executions in commit order, after a feed position (for resuming live views). */
  feed(afterPosition: number, limit = 500): Promise<FeedEntry[]> {
    return this.store.feed(afterPosition, limit);
  }

  /** The newest feed position. */
  feedEnd(): Promise<number> {
    return this.store.feedEnd();
  }

  /** The engines running on the store now: many on PostgreSQL, the lock holder on SQLite, none in memory. */
  engines(): Promise<EngineInfo[]> {
    return this.store.engines?.() ?? Promise.resolve([]);
  }

  /** How many executions each saga has in each status (from the store). */
  counts(): Promise<StatusCount[]> {
    return this.store.countByStatus();
  }
}
