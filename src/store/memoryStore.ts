import { StoreError } from '../definition/errors.js';
import { copyJson } from '../definition/plainJson.js';
import type { JournalEntry } from '../events/JournalEntry.js';
import { checkWrites } from './checkWrites.js';
import type { CommandBody, InboxCommand, SettledCommand } from './InboxCommand.js';
import type { OutboxMessage } from './OutboxMessage.js';
import { inputFieldPath, inputMatches, UNFINISHED_STATUSES } from './listFilters.js';
import { decodeCursor, encodeCursor, pageSize, statusFilter } from './listCursor.js';
import {
  FINAL_STATUSES,
  type ClaimResult,
  type CommitResult,
  type ExecutionWrite,
  type FeedEntry,
  type ListPage,
  type ListQuery,
  type SagaStore,
  type StatusCount,
  type StoredExecution,
} from './SagaStore.js';

class MemoryStore implements SagaStore {
  private readonly executions = new Map<string, StoredExecution>();
  private readonly byKey = new Map<string, string>();
  /** Each execution's journal entries in seq order (seqs have no gap: entry seq is at index seq - 1). */
  private readonly journals = new Map<string, JournalEntry[]>();
  /** Every committed entry in commit order; an entry's position is its index + 1. */
  private readonly feedEntries: {
    readonly executionId: string;
    readonly saga: string;
    readonly entry: JournalEntry;
  }[] = [];
  /** Every command ever appended, by id (ids are positions + 1). */
  private readonly commands: SettledCommand[] = [];
  private readonly pendingByExecution = new Map<string, InboxCommand[]>();
  /** Ids of the parked unfinished executions, so a claim does not scan every execution. */
  private readonly parked = new Set<string>();
  private closed = false;
  /** Unpublished outbox messages in insertion order (a Map keeps it). */
  private readonly outboxById = new Map<string, OutboxMessage>();

  async init(): Promise<void> {
    this.closed = false;
    return;
  }

  async commit(batch: readonly ExecutionWrite[]): Promise<CommitResult> {
    this.assertOpen();
    const { writes, lost } = checkWrites(
      batch,
      (id) => this.executions.get(id),
      (key) => this.byKey.get(key),
      (id) => {
        const command = this.commands[id - 1];
        return command === undefined
          ? undefined
          : { executionId: command.executionId, pending: command.state === 'pending' };
      },
    );
    for (const { execution, journal, commands, outbox } of writes) {
      for (const message of outbox ?? []) {
        if (!this.outboxById.has(message.id)) this.outboxById.set(message.id, copyJson(message));
      }
      for (const { id, refusal } of commands ?? []) {
        const command = this.commands[id - 1] as SettledCommand;
        this.commands[id - 1] =
          refusal === undefined ? { ...command, state: 'applied' } : { ...command, state: 'refused', refusal };
        const pending = (this.pendingByExecution.get(execution.id) ?? []).filter((c) => c.id !== id);
        if (pending.length > 0) this.pendingByExecution.set(execution.id, pending);
        else this.pendingByExecution.delete(execution.id);
      }
      // A command appended while the execution was leaving memory keeps it due.
      const waiting = this.pendingByExecution.get(execution.id)?.[0];
      const wakeAt =
        execution.parked && waiting !== undefined && (execution.wakeAt === null || execution.wakeAt > waiting.at)
          ? waiting.at
          : execution.wakeAt;
      // A copy: the writer may reuse or change its objects once the commit resolved.
      this.executions.set(execution.id, { ...execution, wakeAt });
      if (execution.parked && !FINAL_STATUSES.includes(execution.status)) this.parked.add(execution.id);
      else this.parked.delete(execution.id);
      if (execution.idempotencyKey !== null) this.byKey.set(execution.idempotencyKey, execution.id);
      let entries = this.journals.get(execution.id);
      if (entries === undefined) this.journals.set(execution.id, (entries = []));
      for (const written of journal) {
        // A copy: neither the writer nor a listener that gets the entries after the commit changes the store.
        const entry = copyJson(written);
        entries.push(entry);
        this.feedEntries.push({ executionId: execution.id, saga: execution.saga, entry });
      }
    }
    return { lost };
  }

  async get(id: string): Promise<StoredExecution | undefined> {
    this.assertOpen();
    return copyOf(this.executions.get(id));
  }

  async getByIdempotencyKey(key: string): Promise<StoredExecution | undefined> {
    this.assertOpen();
    const id = this.byKey.get(key);
    return id === undefined ? undefined : copyOf(this.executions.get(id));
  }

  async list(query: ListQuery = {}): Promise<ListPage> {
    this.assertOpen();
    const limit = pageSize(query);
    const statuses = statusFilter(query);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const keys = inputFieldPath(query);
    const { idPrefix, overdueBefore, inputField } = query;
    const matching = [...this.executions.values()]
      .filter(
        (e) =>
          (statuses === undefined || statuses.includes(e.status)) &&
          (idPrefix === undefined || e.id.startsWith(idPrefix)) &&
          (overdueBefore === undefined ||
            ((UNFINISHED_STATUSES as readonly string[]).includes(e.status) &&
              e.wakeAt !== null &&
              e.wakeAt < overdueBefore)) &&
          (keys === undefined || inputField === undefined || inputMatches(e.snapshot, keys, inputField.value)) &&
          (query.saga === undefined || e.saga === query.saga) &&
          (query.createdAfter === undefined || e.createdAt >= query.createdAfter) &&
          (query.createdBefore === undefined || e.createdAt < query.createdBefore) &&
          (after === undefined ||
            e.createdAt < after.createdAt ||
            (e.createdAt === after.createdAt && e.id < after.id)),
      )
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const items = matching.slice(0, limit).map((e) => ({ ...e }));
    const last = items.at(-1);
    const nextCursor = matching.length > limit && last !== undefined ? encodeCursor(last) : null;
    return { items, nextCursor };
  }

  async takeOverHeld(): Promise<StoredExecution[]> {
    this.assertOpen();
    return [...this.executions.values()]
      .filter((e) => !e.parked && !FINAL_STATUSES.includes(e.status))
      .map((e) => {
        const taken = { ...e, fence: e.fence + 1 };
        this.executions.set(e.id, taken);
        return { ...taken };
      });
  }

  async claimDue(now: number, limit: number): Promise<ClaimResult> {
    this.assertOpen();
    // A scan is fine for a store meant for tests and demos.
    const parked = [...this.parked].map((id) => this.executions.get(id) as StoredExecution);
    const due = parked
      .filter((e) => e.wakeAt !== null && e.wakeAt <= now)
      .sort((a, b) => (a.wakeAt ?? 0) - (b.wakeAt ?? 0))
      .slice(0, Math.max(0, limit));
    const claimed = due.map((execution) => {
      const held = { ...execution, parked: false, fence: execution.fence + 1 };
      this.executions.set(execution.id, held);
      this.parked.delete(execution.id);
      return { execution: { ...held }, commands: copyJson(this.pendingByExecution.get(execution.id) ?? []) };
    });
    let nextWakeAt: number | null = null;
    for (const e of parked) {
      if (
        e.wakeAt !== null &&
        this.executions.get(e.id)?.parked === true &&
        (nextWakeAt === null || e.wakeAt < nextWakeAt)
      ) {
        nextWakeAt = e.wakeAt;
      }
    }
    return { claimed, nextWakeAt };
  }

  async appendCommands(
    commands: readonly { readonly executionId: string; readonly body: CommandBody; readonly at: number }[],
  ): Promise<(InboxCommand | undefined)[]> {
    this.assertOpen();
    return commands.map(({ executionId, body, at }) => {
      const execution = this.executions.get(executionId);
      if (execution === undefined || FINAL_STATUSES.includes(execution.status)) return undefined;
      const command: InboxCommand = { id: this.commands.length + 1, executionId, body: copyJson(body), at };
      this.commands.push({ ...command, state: 'pending' });
      this.pendingByExecution.set(executionId, [...(this.pendingByExecution.get(executionId) ?? []), command]);
      if (execution.parked && (execution.wakeAt === null || execution.wakeAt > at)) {
        this.executions.set(executionId, { ...execution, wakeAt: at });
      }
      return copyJson(command);
    });
  }

  async pendingCommands(executionId: string): Promise<InboxCommand[]> {
    this.assertOpen();
    return copyJson(this.pendingByExecution.get(executionId) ?? []);
  }

  async getCommand(id: number): Promise<SettledCommand | undefined> {
    this.assertOpen();
    const command = Number.isInteger(id) ? this.commands[id - 1] : undefined;
    return command === undefined ? undefined : copyJson(command);
  }

  async outbox(limit: number): Promise<OutboxMessage[]> {
    this.assertOpen();
    return copyJson([...this.outboxById.values()].slice(0, limit));
  }

  async deleteOutbox(ids: readonly string[]): Promise<void> {
    this.assertOpen();
    for (const id of ids) this.outboxById.delete(id);
  }

  async countByStatus(): Promise<StatusCount[]> {
    this.assertOpen();
    const counts = new Map<string, StatusCount>();
    for (const { saga, status } of this.executions.values()) {
      const key = `${saga}\u0000${status}`;
      counts.set(key, { saga, status, count: (counts.get(key)?.count ?? 0) + 1 });
    }
    return [...counts.values()];
  }

  async feed(afterPosition: number, limit: number): Promise<FeedEntry[]> {
    this.assertOpen();
    const from = Math.max(0, afterPosition);
    return this.feedEntries.slice(from, from + limit).map(({ executionId, saga, entry }, i) => ({
      position: from + i + 1,
      executionId,
      saga,
      entry: copyJson(entry),
    }));
  }

  async feedEnd(): Promise<number> {
    this.assertOpen();
    return this.feedEntries.length;
  }

  async journal(id: string, afterSeq = 0): Promise<JournalEntry[]> {
    this.assertOpen();
    if (Number.isNaN(afterSeq)) return [];
    // Seqs have no gap: the entry after `afterSeq` is at index floor(afterSeq).
    const from = Math.max(0, Math.floor(afterSeq));
    return (this.journals.get(id) ?? []).slice(from).map((entry) => copyJson(entry));
  }

  async close(): Promise<void> {
    this.closed = true;
    return;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('The memory store is closed');
  }
}

/** A copy to hand out: every field of a stored execution is a string, number, boolean or null. */
function copyOf(stored: StoredExecution | undefined): StoredExecution | undefined {
  return stored === undefined ? undefined : { ...stored };
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
