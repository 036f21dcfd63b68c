import type { JournalEntry } from '../events/JournalEntry.js';
import type { ExecuteOptions } from '../runtime/executeOptions.js';
import type { ExecutionView } from '../runtime/ExecutionView.js';
import type { ExternalEvent } from '../runtime/externalEvent.js';
import type { sagaSummary } from '../server/sagaSummary.js';
import type { EngineInfo, ListQuery } from '../store/SagaStore.js';

export type SagaSummary = ReturnType<typeof sagaSummary>;

/** One journal entry as the live view gets it, with where the execution now is. */
export interface FollowedEntry {
  readonly status: ExecutionView['status'];
  readonly entry: JournalEntry;
}

/** What `follow`'s callback returns: true (or a promise of true) stops following. */
export type FollowVerdict = void | boolean | Promise<boolean>;

/**
 * What the CLI commands need, served either by a local engine on the SQLite
 * file or by a running server (`--url`), so every command works against both.
 */
export interface SagaClient {
  sagas(): Promise<SagaSummary[]>;
  chart(saga: string): Promise<unknown>;
  start(saga: string, input: unknown, options: ExecuteOptions): Promise<{ id: string; existing: boolean }>;
  get(id: string): Promise<ExecutionView>;
  /** Resolves when the execution is settled or waits for an event (locally; at once for a server). */
  park(id: string): Promise<void>;
  list(query: ListQuery): Promise<{ items: ExecutionView[]; nextCursor: string | null }>;
  journal(id: string): Promise<JournalEntry[]>;
  send(id: string, event: ExternalEvent): Promise<void>;
  cancel(id: string, reason: string | undefined): Promise<void>;
  retry(id: string): Promise<void>;
  /**
   * Calls `onEntry` for every journal entry (past ones first) until the
   * execution settles, or until `onEntry` returns (or resolves to) true.
   */
  follow(id: string, onEntry: (followed: FollowedEntry) => FollowVerdict): Promise<ExecutionView>;
  /** Starts and resolves with the settled execution (one long-polling request at a time for a server). */
  startAndWait(saga: string, input: unknown, options: ExecuteOptions): Promise<ExecutionView & { existing: boolean }>;
  /** The engines running on the database (PostgreSQL: all of them; SQLite: the lock holder). */
  engines(): Promise<EngineInfo[]>;
  close(): Promise<void>;
}
