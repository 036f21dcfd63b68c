import type { JournalEntry } from '../events/JournalEntry.js';
import type { CommandBody, CommandOutcome, InboxCommand, SettledCommand } from './InboxCommand.js';
import type { OutboxMessage } from './OutboxMessage.js';

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
  /**
   * The fencing token of the engine that holds the execution: it grows each time
   * an engine takes the execution (a claim, a takeover after a crash or a lost
   * lease). A write carries the token its engine holds; a store refuses a write
   * whose token is no longer the stored one.
   */
  readonly fence: number;
  /** The engine that holds it (a store many engines share); null when none does. */
  readonly owner?: string | null;
}

/** One execution's new state and the journal entries that led to it, written together. */
export interface ExecutionWrite {
  readonly execution: StoredExecution;
  readonly journal: readonly JournalEntry[];
  /** Inbox commands of this execution that this write settles: each must be pending, and settles once. */
  readonly commands?: readonly CommandOutcome[];
  /** Remote commands this write sends: added to the outbox (a message id already there is kept as it is). */
  readonly outbox?: readonly OutboxMessage[];
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

/** What a commit did not write because another engine holds those executions now. */
export interface CommitResult {
  /** Executions whose writes carried a stale fence: none of their writes was written. */
  readonly lost: readonly string[];
}

export interface ListQuery {
  readonly status?: ExecutionStatus | readonly ExecutionStatus[] | undefined;
  readonly saga?: string | undefined;
  /** Only executions created at or after this epoch ms. */
  readonly createdAfter?: number | undefined;
  /** Only executions created before this epoch ms. */
  readonly createdBefore?: number | undefined;
  /** Only executions whose id starts with this. */
  readonly idPrefix?: string | undefined;
  /**
   * Only executions whose input has the field `path` (dotted: `customer.id`,
   * `items.0.sku`) equal to `value`: a string, or the JSON text of a number,
   * boolean or null (`amount` `40` finds 40). Reads every candidate's input:
   * narrow it with saga, status or time on a large store.
   */
  readonly inputField?: { readonly path: string; readonly value: string } | undefined;
  /**
   * Only executions stuck past their timeouts: still Running or Compensating,
   * with a durable timer (step timeout, retry backoff, event timeout, deadline)
   * that was due before this epoch ms and has not fired.
   */
  readonly overdueBefore?: number | undefined;
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
   * written and a StoreError is thrown. A write whose `fence` is not the stored
   * one (another engine took the execution since) is not a rule broken but a
   * lease lost: that execution's writes are left out, the rest of the batch is
   * written, and the execution is named in `lost`.
   */
  commit(writes: readonly ExecutionWrite[]): Promise<CommitResult>;
  get(id: string): Promise<StoredExecution | undefined>;
  getByIdempotencyKey(key: string): Promise<StoredExecution | undefined>;
  list(query?: ListQuery): Promise<ListPage>;
  /**
   * Takes over the unfinished executions that are not parked and that no live engine
   * holds: those an engine held when it stopped or crashed (running a step, or waiting
   * briefly). In a store one engine holds alone, that is all of them. Each comes back
   * with a new fence. `engine.start()` resumes them.
   */
  takeOverHeld(): Promise<StoredExecution[]>;
  /**
   * Claims at most `limit` parked executions that are due (`wakeAt <= now`, which an
   * appended command makes true), oldest due first, with their pending commands; they
   * are no longer parked once this resolves, so no other claim returns them. Each
   * comes back with a new fence. A store many engines share also claims here the
   * executions whose holder's lease ran out.
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
  /**
   * Of these commands, the ones settled (applied or refused), in one read: a store many
   * engines share has it, for the callers waiting on commands other engines apply.
   */
  settledCommands?(ids: readonly number[]): Promise<SettledCommand[]>;
  /**
   * Of these executions, the settled ones (Completed, Compensated, Failed), in one read:
   * a store many engines share has it, for the callers waiting on executions other engines move.
   */
  settledExecutions?(ids: readonly string[]): Promise<StoredExecution[]>;
  /** Up to `limit` outbox messages not yet published, oldest first. */
  outbox(limit: number): Promise<OutboxMessage[]>;
  /** Removes published outbox messages (ids that are not there are ignored). */
  deleteOutbox(ids: readonly string[]): Promise<void>;
  /** How many executions each saga has in each status. */
  countByStatus(): Promise<StatusCount[]>;
  /** Entries of every execution with position > afterPosition, in commit order, at most `limit`. */
  feed(afterPosition: number, limit: number): Promise<FeedEntry[]>;
  /** The position of the newest entry (0 when there is none). */
  feedEnd(): Promise<number>;
  /** Journal entries with seq > afterSeq, in order. */
  journal(id: string, afterSeq?: number): Promise<JournalEntry[]>;
  close(): Promise<void>;
  /** The engines running on this store now (the lock holder for a store one engine holds); none for memory. */
  engines?(): Promise<EngineInfo[]>;
  /** Present on a store many engines share: this engine's leases on the executions it holds. */
  readonly ownership?: StoreOwnership | undefined;
  /** True when opened with `{ readOnly: true }`: it refuses writes, so no engine can run on it. */
  readonly readOnly?: boolean;
}

/** What another engine did that this engine must hear of (from a store many engines share). */
export interface OwnershipListener {
  /** Executions this engine held that another engine took over: drop them, start no effect for them. */
  lost(ids: readonly string[]): void;
  /** Commands were appended to these executions' inboxes (by any engine). */
  commandsAppended(executionIds: readonly string[]): void;
  /** Some engine committed: executions may have moved, commands settled, the feed grown. */
  committed(): void;
  /**
   * The executions this engine has in memory: only their leases are renewed, so one that
   * left memory without a write that releases it (a failure path) lapses and is claimed again.
   */
  holding(): Iterable<string>;
}

/** An engine's leases in a store many engines share (PostgreSQL). */
export interface StoreOwnership {
  /** This engine: `host:pid:random`. */
  readonly engineId: string;
  /** How long a lease lasts without a heartbeat, by the database's clock (ms). */
  readonly leaseTtlMs: number;
  /** Starts listening; returns the function that stops. */
  watch(listener: OwnershipListener): () => void;
  /**
   * Resolves once this engine's leases are known to be current: at once while the last
   * heartbeat is younger than the lease, else after the next heartbeat that succeeds.
   * No effect starts before it resolves, so an engine that stalled past its lease
   * starts nothing for executions another engine may have taken.
   */
  confirmed(): Promise<void>;
  /** At most this many executions are held at once: claims take no more. */
  readonly maxHeld: number;
  /** What this engine did: executions held now, claimed and lost since it started. */
  stats(): OwnershipStats;
}

export interface OwnershipStats {
  readonly held: number;
  readonly claimed: number;
  readonly lost: number;
}

export interface EngineInfo {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** The HTTP address of the server running this engine, when it has one. */
  readonly address: string | null;
  readonly startedAt: number;
  readonly heartbeatAt: number;
  /** Executions it holds (under a lease), as of its last heartbeat; null when the store does not say. */
  readonly held: number | null;
}
