import type { StateValue } from 'xstate';
import { copyJson } from '../definition/plainJson.js';
import type { SagaLifecycleEvent } from '../events/SagaLifecycleEvent.js';
import type { ExecutionWrite } from '../store/SagaStore.js';

/**
 * The lifecycle event of one committed write; `state` is the chart state it committed.
 * Listeners get copies: a committed entry's data can be the very object the live
 * execution holds (a step's output is also in its results), and the state value is the
 * live snapshot's, so a listener that changed either would change the execution.
 *
 * @internal
 */
export function committedEvent({ execution, journal }: ExecutionWrite, state: StateValue): SagaLifecycleEvent {
  return {
    executionId: execution.id,
    saga: execution.saga,
    version: execution.version,
    revision: execution.revision,
    status: execution.status,
    state: copyJson(state),
    entries: copyJson(journal),
    at: execution.updatedAt,
  };
}
