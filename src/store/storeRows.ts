import type { JournalEntry, JournalEntryType } from '../events/JournalEntry.js';
import type { CommandBody, CommandRefusal, InboxCommand, SettledCommand } from './InboxCommand.js';
import type { OutboxMessage } from './OutboxMessage.js';
import type { ExecutionStatus, StoredExecution } from './SagaStore.js';

/**
 * The rows the SQL stores (SQLite, PostgreSQL) read, and how they become the
 * store contract's values. One table layout, so one mapping.
 */

/** A row of `executions`; `parked` is 0/1 in SQLite, a boolean in PostgreSQL. @internal */
export interface ExecutionRow {
  id: string;
  saga: string;
  version: number;
  definition_hash: string;
  status: ExecutionStatus;
  snapshot: string;
  revision: number;
  last_seq: number;
  idempotency_key: string | null;
  created_at: number;
  updated_at: number;
  wake_at: number | null;
  parked: number | boolean;
  fence: number;
  /** PostgreSQL only. */
  owner?: string | null;
}

/** A row of `inbox`. @internal */
export interface InboxRow {
  id: number;
  execution_id: string;
  body: string;
  at: number;
  state: SettledCommand['state'];
  refusal: string | null;
}

/** The columns of a `journal` row that make an entry. @internal */
export interface JournalRow {
  seq: number;
  at: number;
  type: JournalEntryType;
  step: string | null;
  attempt: number | null;
  data: string | null;
}

/** @internal */
export const toExecution = (row: ExecutionRow): StoredExecution => ({
  id: row.id,
  saga: row.saga,
  version: row.version,
  definitionHash: row.definition_hash,
  status: row.status,
  snapshot: row.snapshot,
  revision: row.revision,
  lastSeq: row.last_seq,
  idempotencyKey: row.idempotency_key,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  wakeAt: row.wake_at,
  parked: row.parked === true || row.parked === 1,
  fence: row.fence,
  ...(row.owner === undefined ? {} : { owner: row.owner }),
});

/** @internal */
export const toCommand = (row: InboxRow): InboxCommand => ({
  id: row.id,
  executionId: row.execution_id,
  body: JSON.parse(row.body) as CommandBody,
  at: row.at,
});

/** A command with its outcome. @internal */
export const toSettledCommand = (row: InboxRow): SettledCommand => ({
  ...toCommand(row),
  state: row.state,
  ...(row.refusal === null ? {} : { refusal: JSON.parse(row.refusal) as CommandRefusal }),
});

/** @internal */
export const toJournalEntry = (row: JournalRow): JournalEntry => ({
  seq: row.seq,
  at: row.at,
  type: row.type,
  ...(row.step === null ? {} : { step: row.step }),
  ...(row.attempt === null ? {} : { attempt: row.attempt }),
  ...(row.data === null ? {} : { data: JSON.parse(row.data) as unknown }),
});

/** A row of `outbox`; `created_at` is a string from PostgreSQL's BIGINT. @internal */
export interface OutboxRow {
  id: string;
  execution_id: string;
  subject: string;
  body: string;
  headers: string;
  created_at: number | string;
}

/** @internal */
export const toOutboxMessage = (row: OutboxRow): OutboxMessage => ({
  id: row.id,
  executionId: row.execution_id,
  subject: row.subject,
  body: row.body,
  headers: JSON.parse(row.headers) as Record<string, string>,
  createdAt: Number(row.created_at),
});
