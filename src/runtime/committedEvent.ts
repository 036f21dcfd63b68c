import type { StateValue } from 'xstate';
import type { SagaLifecycleEvent } from '../events/SagaLifecycleEvent.js';
import type { ExecutionWrite } from '../store/SagaStore.js';

/** The lifecycle event of one committed write; `state` is the chart state it committed. @internal */
export function committedEvent({ execution, journal }: ExecutionWrite, state: StateValue): SagaLifecycleEvent {
  return {
    executionId: execution.id,
    saga: execution.saga,
    version: execution.version,
    revision: execution.revision,
    status: execution.status,
    state,
    entries: journal,
    at: execution.updatedAt,
  };
}
