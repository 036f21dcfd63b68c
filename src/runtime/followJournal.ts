import type { StateValue } from 'xstate';
import type { JournalEntry } from '../events/JournalEntry.js';
import type { ExecutionStatus } from '../store/SagaStore.js';
import type { SagaEngine } from './SagaEngine.js';

/** One journal entry of a followed execution, with where the execution then was. */
export interface FollowedJournalEntry {
  readonly executionId: string;
  readonly saga: string;
  readonly status: ExecutionStatus;
  readonly state: StateValue;
  readonly entry: JournalEntry;
}

/**
 * Delivers an execution's journal entries with seq > `afterSeq` exactly once
 * and in order: the stored ones first, then the live ones, with live events
 * buffered while the stored ones are read so none falls in between. Returns
 * the function that stops following.
 *
 * @internal
 */
export async function followJournal(
  engine: SagaEngine,
  id: string,
  afterSeq: number,
  deliver: (followed: FollowedJournalEntry) => void,
): Promise<() => void> {
  let sent = afterSeq;
  let replaying = true;
  const buffered: FollowedJournalEntry[] = [];
  const pass = (followed: FollowedJournalEntry) => {
    if (followed.entry.seq <= sent) return;
    sent = followed.entry.seq;
    deliver(followed);
  };
  const off = engine.subscribe((event) => {
    if (event.executionId !== id) return;
    for (const entry of event.entries) {
      const followed = { executionId: id, saga: event.saga, status: event.status, state: event.state, entry };
      if (replaying) buffered.push(followed);
      else pass(followed);
    }
  });
  try {
    const view = await engine.get(id);
    for (const entry of await engine.journal(id, sent)) {
      pass({ executionId: id, saga: view.saga, status: view.status, state: view.state, entry });
    }
    buffered.forEach(pass);
    replaying = false;
  } catch (error) {
    off();
    throw error;
  }
  return off;
}
