import { StoreError } from '../definition/errors.js';
import type { SagaStore } from '../store/SagaStore.js';

/**
 * Refuses a store opened read-only before the engine opens it: an engine writes
 * every transition, so the store's own "nothing can be written" would come later
 * and say less.
 *
 * @internal
 */
export function assertWritableStore(store: SagaStore): void {
  if (store.readOnly !== true) return;
  throw new StoreError(
    'An engine cannot run on a read-only store (opened with { readOnly: true }): it writes every transition. ' +
      'Open the store without readOnly to run an engine; a read-only store is for reading a database another engine holds.',
  );
}
