import type { StateValue } from 'xstate';
import type { JournalEntry } from '../events/JournalEntry.js';
import type { ExecutionStatus } from '../store/SagaStore.js';
import type { SagaEngine } from './SagaEngine.js';

/**
 * One journal entry of a followed execution, with where the execution was when
 * the entry was read: for a live entry, where its commit left it; for a stored
 * one, where it was after that entry (it may have moved on since, never back).
 */
export interface FollowedJournalEntry {
  readonly executionId: string;
  readonly saga: string;
  readonly status: ExecutionStatus;
  readonly state: StateValue;
  readonly entry: JournalEntry;
}

/**
 * Delivers an execution's journal entries with seq > `afterSeq` exactly once
 * and in order: the stored ones first, then the live ones. While catching up,
 * a promise returned by `deliver` is awaited before the next entry (the store
 * is the buffer of a slow reader), and the store is read again until a read
 * finds nothing new and no commit of the execution landed meanwhile; from
 * then on live entries are delivered as they commit. Returns the function
 * that stops following.
 *
 * @internal
 */
export async function followJournal(
  engine: SagaEngine,
  id: string,
  afterSeq: number,
  deliver: (followed: FollowedJournalEntry) => void | Promise<void>,
): Promise<() => void> {
  let sent = afterSeq;
  let live = false;
  let stopped = false;
  let committed = false;
  const off = engine.subscribe((event) => {
    if (event.executionId !== id || stopped) return;
    if (!live) {
      committed = true;
      return;
    }
    for (const entry of event.entries) {
      if (entry.seq <= sent) continue;
      sent = entry.seq;
      void deliver({ executionId: id, saga: event.saga, status: event.status, state: event.state, entry });
    }
  });
  // On a store many engines share, another engine may hold the execution: its commits are read from the store.
  let reading: Promise<void> | undefined;
  const readElsewhere = async (): Promise<void> => {
    // The journal first, then the status (see below).
    const entries = await engine.journal(id, sent);
    const view = await engine.get(id);
    for (const entry of entries) {
      if (stopped || entry.seq <= sent) continue;
      sent = entry.seq;
      void deliver({ executionId: id, saga: view.saga, status: view.status, state: view.state, entry });
    }
  };
  const offElsewhere = engine.watchFeed(() => {
    if (!live || stopped) return;
    const previous = reading ?? Promise.resolve();
    reading = previous.then(readElsewhere).catch(() => undefined);
  });
  const stop = () => {
    stopped = true;
    off();
    offElsewhere();
  };
  try {
    for (;;) {
      committed = false;
      // The journal first, then where the execution is: a commit that lands between the two reads
      // makes the status newer than the entries, never older. Read the other way round (as once),
      // a store with truly asynchronous reads (PostgreSQL under load) sent SagaCompleted with the
      // status Running, and a follower waiting for a settled status never saw it settle.
      const entries = await engine.journal(id, sent);
      const view = await engine.get(id);
      for (const entry of entries) {
        if (stopped) return stop;
        if (entry.seq <= sent) continue;
        sent = entry.seq;
        await deliver({ executionId: id, saga: view.saga, status: view.status, state: view.state, entry });
      }
      // A commit that the read may have missed announced itself in `committed`; later ones arrive live.
      if (entries.length === 0 && !committed) break;
    }
    live = true;
  } catch (error) {
    stop();
    throw error;
  }
  return stop;
}
