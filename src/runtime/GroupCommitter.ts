import { LeaseLostError, StoreError, type SagaError } from '../definition/errors.js';
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

/** What the committer tells the engine about each batch. */
export interface CommitHandlers {
  /** These writes are durable. */
  committed(writes: readonly ExecutionWrite[]): void;
  /** The store refused the batch: nothing of it was written. */
  failed(writes: readonly ExecutionWrite[], error: StoreError): void;
  /** This execution's write could not be built (it cannot be serialised). */
  unwritable(id: string, error: StoreError): void;
  /** Another engine holds these executions now: their writes were not written (the rest were). */
  lost(ids: readonly string[], error: LeaseLostError): void;
}

/** How long a batch may gather writes from executions that moved moments ago. */
export interface GroupCommitOptions {
  /**
   * The longest a batch waits for more writes, in ms; 0 (no wait) turns the
   * window off. A batch waits only while other executions that queued a write
   * within the last few windows have not queued one yet, and flushes as soon
   * as they all have: one execution alone never waits.
   */
  readonly windowMs?: number | undefined;
}

/** A window longer than this is a mistake: every transition would wait for it. */
const MAX_WINDOW_MS = 100;
/** An execution counts as moving if it queued a write within this many windows. */
const RECENT_WINDOWS = 8;
/**
 * Batches in flight at once. With a store that commits off the main thread, a
 * second batch lets the executions that moved while the first one commits go
 * on without waiting for it: the main thread runs one cohort while the store
 * writes the other.
 */
const MAX_IN_FLIGHT = 2;

/**
 * Group commit: the writes of every execution that changed in one tick go to
 * the store in one transaction. Writes are built at flush time, so an execution
 * that moved several times in a tick is serialised once. Up to two batches are
 * in flight, never two writes of one execution: an execution whose write is
 * committing waits for it before its next one is sent, so its revisions reach
 * the store in order, and a batch that fails concerns none of the other
 * batch's executions.
 *
 * Requests that arrive in separate ticks (HTTP) would each get their own
 * transaction, and an fsync, although they come back-to-back. With a window,
 * a batch waits (never longer than `windowMs`) while executions that moved
 * recently have not queued their next write yet. The wait only delays the
 * commit: steps still start after `durable()` resolves, so write-ahead holds.
 *
 * @internal
 */
export class GroupCommitter {
  /** What to build at the next flush, by execution; the revision it reaches is its queuedRevision. */
  private pending = new Map<string, WriteBuilder>();
  private readonly queuedRevision = new Map<string, number>();
  private readonly durableRevision = new Map<string, number>();
  private readonly waiters = new Map<string, Waiter[]>();
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** Executions with a write in a batch in flight. */
  private readonly committing = new Set<string>();
  private readonly windowMs: number;
  /** When each execution last queued a write (only kept with a window). */
  private readonly lastQueued = new Map<string, number>();
  private windowTimer: ReturnType<typeof setTimeout> | undefined;
  /** How many of the recently moving executions the waiting batch still expects. */
  private expected = 0;

  constructor(
    private readonly store: SagaStore,
    private readonly on: CommitHandlers,
    options: GroupCommitOptions = {},
  ) {
    const windowMs = options.windowMs ?? 0;
    if (!Number.isFinite(windowMs) || windowMs < 0 || windowMs > MAX_WINDOW_MS) {
      throw new RangeError(`groupCommitWindowMs must be a number of ms from 0 to ${MAX_WINDOW_MS} (got ${windowMs})`);
    }
    this.windowMs = windowMs;
  }

  /** Marks an execution changed up to `revision`; `build` makes its write at flush time. */
  enqueue(id: string, revision: number, build: WriteBuilder): void {
    const joins = !this.pending.has(id);
    this.pending.set(id, build);
    this.queuedRevision.set(id, revision);
    if (this.windowMs > 0) {
      const previous = this.lastQueued.get(id);
      this.lastQueued.set(id, performance.now());
      // Everyone the window waits for is here: flush now instead of at its end.
      if (this.windowTimer !== undefined && joins && previous !== undefined && (this.expected -= 1) <= 0) {
        this.endWindow();
        return;
      }
    }
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
    while (this.inFlight.size > 0 || this.pending.size > 0) {
      this.startFlush();
      await Promise.all([...this.inFlight].map((batch) => batch.catch(() => undefined)));
    }
  }

  /** Drops what the committer knows of an execution that left memory. */
  forget(id: string): void {
    // A finished execution queues nothing more: no batch should wait for it.
    this.lastQueued.delete(id);
    if (this.pending.has(id)) return;
    this.queuedRevision.delete(id);
    this.durableRevision.delete(id);
  }

  /** Throws away an execution's queued writes after a failed commit; its waiters get `error`. */
  discard(id: string, error: SagaError): void {
    this.pending.delete(id);
    this.settle(id, Number.POSITIVE_INFINITY, error);
    this.queuedRevision.delete(id);
    this.durableRevision.delete(id);
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight.size >= MAX_IN_FLIGHT) return;
    this.scheduled = true;
    const expected = this.windowMs > 0 ? this.movingElsewhere() : 0;
    if (expected > 0) {
      this.expected = expected;
      this.windowTimer = setTimeout(() => {
        this.windowTimer = undefined;
        this.expected = 0;
        this.scheduled = false;
        this.startFlush();
      }, this.windowMs);
      return;
    }
    // setImmediate lets every execution that moves in this tick join the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.startFlush();
    });
  }

  /** Ends the wait early, when all it waited for has come. */
  private endWindow(): void {
    if (this.windowTimer !== undefined) clearTimeout(this.windowTimer);
    this.windowTimer = undefined;
    this.expected = 0;
    // Still through setImmediate: whatever else moves in this tick joins too.
    setImmediate(() => {
      this.scheduled = false;
      this.startFlush();
    });
  }

  /** Executions that queued a write recently but have none pending now; forgets the stale ones. */
  private movingElsewhere(): number {
    const since = performance.now() - this.windowMs * RECENT_WINDOWS;
    let count = 0;
    for (const [id, at] of this.lastQueued) {
      if (at < since) this.lastQueued.delete(id);
      else if (!this.pending.has(id)) count += 1;
    }
    return count;
  }

  private startFlush(): void {
    if (this.windowTimer !== undefined) {
      clearTimeout(this.windowTimer);
      this.windowTimer = undefined;
      this.expected = 0;
      this.scheduled = false;
    }
    if (this.inFlight.size >= MAX_IN_FLIGHT || this.pending.size === 0) return;
    const taken = this.pending;
    this.pending = new Map();
    if (this.committing.size > 0) {
      // An execution whose previous write is still committing stays queued for the next batch.
      for (const id of this.committing) {
        const waiting = taken.get(id);
        if (waiting === undefined) continue;
        taken.delete(id);
        this.pending.set(id, waiting);
      }
      if (taken.size === 0) return;
    }
    const batch: ExecutionWrite[] = [];
    const unwritable: { id: string; error: StoreError }[] = [];
    for (const [id, build] of taken) {
      let write: ExecutionWrite | undefined;
      try {
        write = build();
      } catch (cause) {
        // One execution that cannot be serialised fails alone, never the batch or the process.
        const message = `Execution "${id}" could not be written: ${safeMessage(cause)}`;
        unwritable.push({ id, error: new StoreError(message, { executionId: id, cause }) });
        continue;
      }
      // Nothing changed since the last write: what was queued is durable already.
      if (write === undefined) this.markDurable(id, this.queuedRevision.get(id) ?? 0);
      else batch.push(write);
    }
    for (const { id, error } of unwritable) {
      this.discard(id, error);
      this.on.unwritable(id, error);
    }
    for (const { execution } of batch) this.committing.add(execution.id);
    const flushing = this.commit(batch).finally(() => {
      this.inFlight.delete(flushing);
      for (const { execution } of batch) this.committing.delete(execution.id);
      if (this.pending.size > 0) this.schedule();
    });
    this.inFlight.add(flushing);
  }

  private async commit(batch: readonly ExecutionWrite[]): Promise<void> {
    if (batch.length === 0) return;
    let lost: readonly string[];
    try {
      ({ lost } = await this.store.commit(batch));
    } catch (cause) {
      const error = cause instanceof StoreError ? cause : new StoreError(`Commit failed: ${String(cause)}`, { cause });
      for (const { execution } of batch) this.settle(execution.id, Number.POSITIVE_INFINITY, error);
      this.on.failed(batch, error);
      return;
    }
    let written = batch;
    if (lost.length > 0) {
      const gone = new Set(lost);
      written = batch.filter((w) => !gone.has(w.execution.id));
      const error = new LeaseLostError(
        `Another engine took over ${lost.length === 1 ? `execution "${lost[0]}"` : `${lost.length} executions`}: ` +
          'this engine lost its lease, nothing of theirs was written',
      );
      for (const id of lost) this.discard(id, error);
      this.on.lost(lost, error);
    }
    for (const { execution } of written) this.markDurable(execution.id, execution.revision);
    this.on.committed(written);
  }

  private markDurable(id: string, revision: number): void {
    this.durableRevision.set(id, revision);
    this.settle(id, revision, undefined);
  }

  private settle(id: string, revision: number, error: SagaError | undefined): void {
    const list = this.waiters.get(id);
    if (list === undefined) return;
    let remaining: Waiter[] | undefined;
    for (const w of list) {
      if (w.revision > revision) (remaining ??= []).push(w);
      else if (error === undefined) w.resolve();
      else w.reject(error);
    }
    if (remaining !== undefined) this.waiters.set(id, remaining);
    else this.waiters.delete(id);
  }
}
