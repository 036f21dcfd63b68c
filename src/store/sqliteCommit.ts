import type Database from 'better-sqlite3';
import { checkWrites, type StoredCommandState } from './checkWrites.js';
import type { CommitResult, ExecutionStatus, ExecutionWrite } from './SagaStore.js';

/** What a commit needs to know of an execution's stored row, without its snapshot. @internal */
export interface PositionRow {
  revision: number;
  lastSeq: number;
  status: ExecutionStatus;
  parked: number;
  wakeAt: number | null;
  fence: number;
}

/** The statements a commit runs (prepared once per connection). @internal */
export interface CommitStatements {
  readonly position: Database.Statement;
  readonly idForKey: Database.Statement;
  readonly commandState: Database.Statement;
  readonly insert: Database.Statement;
  readonly updateState: Database.Statement;
  readonly update: Database.Statement;
  readonly settleCommand: Database.Statement;
  readonly addOutbox: Database.Statement;
  readonly wakeForPending: Database.Statement;
  readonly append: Database.Statement;
}

/**
 * The rows this connection committed last for the executions it holds (moving, not
 * final, not parked), so the next commit of each checks its revision, seq and fence
 * without reading its row back. Only for a connection that is the file's one writer
 * (the lock holder committing on its own thread): every other change of those rows is
 * this connection's own claim, takeover or wake-up, which forgets what it changes.
 *
 * @internal
 */
export class HeldPositions {
  private readonly rows = new Map<string, PositionRow>();

  get(id: string): PositionRow | undefined {
    return this.rows.get(id);
  }

  /** After a commit is durable: what it wrote. Final and parked executions leave (they come back by a claim). */
  committed(written: ReadonlyMap<string, PositionRow>): void {
    for (const [id, row] of written) {
      if (row.parked === 1 || row.status === 'Completed' || row.status === 'Compensated') this.rows.delete(id);
      else this.rows.set(id, row);
    }
  }

  forget(ids: Iterable<string>): void {
    for (const id of ids) this.rows.delete(id);
  }

  clear(): void {
    this.rows.clear();
  }
}

/**
 * Writes one batch inside a transaction that is already open: checks it (nothing is
 * written when a rule is broken), then each execution's row touching only the columns
 * it changes, its settled commands, outbox messages and journal entries (the journal's
 * rowids are the feed's commit order).
 * Returns what it wrote of each execution, for `HeldPositions` once the transaction commits.
 *
 * @internal
 */
export function writeBatch(
  statements: CommitStatements,
  held: HeldPositions | undefined,
  batch: readonly ExecutionWrite[],
): { result: CommitResult; written: Map<string, PositionRow> } {
  // What the checks read is kept, so each write touches only the columns (and indexes) it changes.
  const stored = new Map<string, PositionRow | undefined>();
  const positionOf = (id: string): PositionRow | undefined => {
    if (stored.has(id)) return stored.get(id);
    const row = held?.get(id) ?? (statements.position.get(id) as PositionRow | undefined);
    stored.set(id, row);
    return row;
  };
  const { writes, lost } = checkWrites(
    batch,
    positionOf,
    (key) => (statements.idForKey.get(key) as { id: string } | undefined)?.id,
    (id) => {
      const row = statements.commandState.get(id) as { executionId: string; state: string } | undefined;
      return row === undefined
        ? undefined
        : ({ executionId: row.executionId, pending: row.state === 'pending' } satisfies StoredCommandState);
    },
  );
  const written = new Map<string, PositionRow>();
  for (const { execution: e, journal: entries, commands, outbox } of writes) {
    const before = stored.get(e.id);
    const parked = e.parked ? 1 : 0;
    if (before === undefined) {
      statements.insert.run(
        e.id,
        e.saga,
        e.version,
        e.definitionHash,
        e.status,
        e.snapshot,
        e.revision,
        e.lastSeq,
        e.idempotencyKey,
        e.createdAt,
        e.updatedAt,
        e.wakeAt,
        parked,
        e.fence,
      );
    } else if (before.status === e.status && before.parked === parked && before.wakeAt === e.wakeAt) {
      statements.updateState.run(e.snapshot, e.revision, e.lastSeq, e.updatedAt, e.id);
    } else {
      statements.update.run(e.status, e.snapshot, e.revision, e.lastSeq, e.updatedAt, e.wakeAt, parked, e.id);
    }
    const position = {
      revision: e.revision,
      lastSeq: e.lastSeq,
      status: e.status,
      parked,
      wakeAt: e.wakeAt,
      fence: e.fence,
    };
    stored.set(e.id, position);
    written.set(e.id, position);
    for (const { id, refusal } of commands ?? []) {
      statements.settleCommand.run(
        refusal === undefined ? 'applied' : 'refused',
        refusal === undefined ? null : JSON.stringify(refusal),
        id,
      );
    }
    for (const m of outbox ?? []) {
      statements.addOutbox.run(m.id, m.executionId, m.subject, m.body, JSON.stringify(m.headers), m.createdAt);
    }
    // A command appended while the execution was leaving memory keeps it due.
    if (e.parked) statements.wakeForPending.run({ id: e.id });
    for (const entry of entries) {
      statements.append.run(
        e.id,
        entry.seq,
        entry.at,
        entry.type,
        entry.step ?? null,
        entry.attempt ?? null,
        entry.data === undefined ? null : JSON.stringify(entry.data),
      );
    }
  }
  return { result: { lost }, written };
}
