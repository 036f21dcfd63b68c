import type { JournalEntry } from '../events/JournalEntry.js';

/** Where an execution is. `Failed` waits for a person; `Completed` and `Compensated` are final. */
export type ExecutionStatus = 'Running' | 'Compensating' | 'Completed' | 'Compensated' | 'Failed';

export const EXECUTION_STATUSES: readonly ExecutionStatus[] = [
  'Running',
  'Compensating',
  'Completed',
  'Compensated',
  'Failed',
];

/** Statuses in which an execution waits for nobody but a person: `waitFor` resolves in them. */
export const SETTLED_STATUSES: readonly ExecutionStatus[] = ['Completed', 'Compensated', 'Failed'];

/** Statuses an execution never leaves. */
export const FINAL_STATUSES: readonly ExecutionStatus[] = ['Completed', 'Compensated'];

/** One execution as a store keeps it. */
export interface StoredExecution {
  readonly id: string;
  readonly saga: string;
  readonly version: number;
  readonly definitionHash: string;
  readonly status: ExecutionStatus;
  /** `actor.getPersistedSnapshot()` as JSON. */
  readonly snapshot: string;
  /** Increases with every write (by 1 per snapshot; merged snapshots of one tick skip numbers). */
  readonly revision: number;
  /** The seq of the newest journal entry. */
  readonly lastSeq: number;
  readonly idempotencyKey: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One execution's new state and the journal entries that led to it, written together. */
export interface ExecutionWrite {
  readonly execution: StoredExecution;
  readonly journal: readonly JournalEntry[];
}

export interface ListQuery {
  readonly status?: ExecutionStatus | readonly ExecutionStatus[] | undefined;
  readonly saga?: string | undefined;
  /** Only executions created at or after this epoch ms. */
  readonly createdAfter?: number | undefined;
  /** Only executions created before this epoch ms. */
  readonly createdBefore?: number | undefined;
  /** 1..1000; 50 when not given. */
  readonly limit?: number | undefined;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string | undefined;
}

export interface StatusCount {
  readonly saga: string;
  readonly status: ExecutionStatus;
  readonly count: number;
}

/** A journal entry in the store-wide order of commits: the global feed live views resume from. */
export interface FeedEntry {
  /** Increases with every entry the store commits; never reused. */
  readonly position: number;
  readonly executionId: string;
  readonly saga: string;
  readonly entry: JournalEntry;
}

export interface ListPage {
  /** Newest first. */
  readonly items: readonly StoredExecution[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/**
 * Where executions live. Every store passes the same contract suite
 * (test/store/storeContract.ts).
 */
export interface SagaStore {
  /** Opens or creates what the store needs; called by `engine.start()`. */
  init(): Promise<void>;
  /**
   * Writes every execution's new state and journal entries in ONE transaction:
   * all or nothing. Revisions must increase over the stored ones and journal
   * seqs must follow the stored ones without a gap; otherwise nothing is
   * written and a StoreError is thrown.
   */
  commit(writes: readonly ExecutionWrite[]): Promise<void>;
  get(id: string): Promise<StoredExecution | undefined>;
  getByIdempotencyKey(key: string): Promise<StoredExecution | undefined>;
  list(query?: ListQuery): Promise<ListPage>;
  /** Every execution that is not Completed or Compensated. */
  listUnfinished(): Promise<StoredExecution[]>;
  /** How many executions each saga has in each status. */
  countByStatus(): Promise<StatusCount[]>;
  /** Entries of every execution with position > afterPosition, in commit order, at most `limit`. */
  feed(afterPosition: number, limit: number): Promise<FeedEntry[]>;
  /** The position of the newest entry (0 when there is none). */
  feedEnd(): Promise<number>;
  /** Journal entries with seq > afterSeq, in order. */
  journal(id: string, afterSeq?: number): Promise<JournalEntry[]>;
  close(): Promise<void>;
}
