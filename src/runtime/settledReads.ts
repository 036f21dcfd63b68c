import type { SettledCommand } from '../store/InboxCommand.js';
import { SETTLED_STATUSES, type SagaStore } from '../store/SagaStore.js';
import { executionView, type ExecutionView } from './ExecutionView.js';

// What callers here wait for that other engines settle, read in one query where the store
// can (a store many engines share), else one read each. Rechecks come with other engines'
// commits, every few ms: a read per caller waiting there would grow with the callers.

/** Of these commands, those settled (applied or refused). @internal */
export async function settledCommands(store: SagaStore, ids: readonly number[]): Promise<SettledCommand[]> {
  if (store.settledCommands !== undefined) return store.settledCommands(ids);
  const read = await Promise.all(ids.map((id) => store.getCommand(id).catch(() => undefined)));
  return read.filter((c): c is SettledCommand => c !== undefined && c.state !== 'pending');
}

/** Of these executions, the views of those settled (Completed, Compensated, Failed). @internal */
export async function settledViews(store: SagaStore, ids: readonly string[]): Promise<ExecutionView[]> {
  const stored =
    store.settledExecutions !== undefined
      ? await store.settledExecutions(ids)
      : (await Promise.all(ids.map((id) => store.get(id).catch(() => undefined)))).filter(
          (s) => s !== undefined && SETTLED_STATUSES.includes(s.status),
        );
  return stored.flatMap((s) => (s === undefined ? [] : [executionView(s)]));
}
