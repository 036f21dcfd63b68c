import type { JournalEntry } from '../events/JournalEntry.js';
import type { CommandBody, CommandOutcome, InboxCommand, SettledCommand } from './InboxCommand.js';

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
  /**
   * When the execution next needs an engine even if nobody calls: its earliest armed
   * durable timer (epoch ms); null when only an event, a command or a person can move it.
   */
  readonly wakeAt: number | null;
  /**
   * True when no engine holds it: it waits in the store until `wakeAt` or a command.
   * Written by the engine (a write that parks); cleared by `claimDue`.
   */
  readonly parked: boolean;
}

/** One execution's new state and the journal entries that led to it, written together. */
export interface ExecutionWrite {
  readonly execution: StoredExecution;
  readonly journal: readonly JournalEntry[];
  /** Inbox commands of this execution that this write settles: each must be pending, and settles once. */
  readonly commands?: readonly CommandOutcome[];
}

/** A parked execution an engine claimed to move: its last durable state and its pending commands, oldest first. */
export interface ClaimedExecution {
  readonly execution: StoredExecution;
  readonly commands: readonly InboxCommand[];
}

/** What one `claimDue` call took, and when the next parked execution is due. */
export interface ClaimResult {
  readonly claimed: readonly ClaimedExecution[];
  /** The earliest `wakeAt` among the executions still parked (null when none has one). */
  readonly nextWakeAt: number | null;
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
   * seqs must follow the stored ones without a gap, and every command a write
   * settles must be pending in that execution's inbox; otherwise nothing is
   * written and a StoreError is thrown.
   */
  commit(writes: readonly ExecutionWrite[]): Promise<void>;
  get(id: string): Promise<StoredExecution | undefined>;
  getByIdempotencyKey(key: string): Promise<StoredExecution | undefined>;
  list(query?: ListQuery): Promise<ListPage>;
  /**
   * The unfinished executions that are not parked: those an engine held when it stopped
   * or crashed (running a step, or waiting briefly). `engine.start()` resumes them.
   */
  listHeld(): Promise<StoredExecution[]>;
  /**
   * Claims at most `limit` parked executions that are due (`wakeAt <= now`, which an
   * appended command makes true), oldest due first, with their pending commands; they
   * are no longer parked once this resolves, so no other claim returns them.
   */
  claimDue(now: number, limit: number): Promise<ClaimResult>;
  /**
   * Appends commands to the inboxes of their executions in ONE transaction and wakes
   * each parked one (its `wakeAt` becomes at most the command's `at`). Gives back, in
   * order, the appended command, or undefined when no unfinished execution has that id.
   */
  appendCommands(
    commands: readonly { readonly executionId: string; readonly body: CommandBody; readonly at: number }[],
  ): Promise<(InboxCommand | undefined)[]>;
  /** An execution's commands that no engine has settled yet, oldest first. */
  pendingCommands(executionId: string): Promise<InboxCommand[]>;
  /** One command with its outcome (for a caller whose command another engine applies). */
  getCommand(id: number): Promise<SettledCommand | undefined>;
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
