import type { AnyStateMachine, SnapshotFrom } from 'xstate';
import { CANCEL_EVENT, RETRY_EVENT, type SagaContext } from '../compile/sagaContext.js';
import type { SagaPlan } from '../compile/sagaPlan.js';
import { InvalidOperationError, type SagaError } from '../definition/errors.js';
import { FINAL_STATUSES, type ExecutionStatus } from '../store/SagaStore.js';
import { statusOf } from './ExecutionView.js';

type Snapshot = SnapshotFrom<AnyStateMachine>;

/** Why `cancel` is refused now, or undefined when it is allowed. @internal */
export function cancelRefusal(id: string, plan: SagaPlan, snapshot: Snapshot, reason: string): SagaError | undefined {
  const status = statusOf(snapshot.value);
  if (status !== 'Running') {
    return new InvalidOperationError(`Execution "${id}" is ${status}: only a Running execution can be cancelled`, {
      executionId: id,
      status,
    });
  }
  if (snapshot.can({ type: CANCEL_EVENT, reason })) return undefined;
  const pivot = plan.pivot ?? '?';
  const context = snapshot.context as SagaContext;
  if (context.reason !== null) {
    return new InvalidOperationError(
      `Execution "${id}" is already being cancelled (${context.reason.message}): it waits for the step in flight to settle`,
      { executionId: id, status },
    );
  }
  if (snapshot.matches({ Running: { [pivot]: 'run' } })) {
    return new InvalidOperationError(
      `Execution "${id}" cannot be cancelled now: its pivot "${pivot}" is in flight, and whether it completes decides the outcome`,
      { executionId: id, status, step: pivot },
    );
  }
  return new InvalidOperationError(
    `Execution "${id}" is past its pivot "${pivot}": it cannot be cancelled, nothing is undone after the point of no return`,
    { executionId: id, status, step: pivot },
  );
}

/** Why `retry` is refused now, or undefined when it is allowed. @internal */
export function retryRefusal(id: string, snapshot: Snapshot): SagaError | undefined {
  const status = statusOf(snapshot.value);
  if (status === 'Failed' && snapshot.can({ type: RETRY_EVENT })) return undefined;
  return new InvalidOperationError(`Execution "${id}" is ${status}: only a Failed execution can be retried`, {
    executionId: id,
    status,
  });
}

/** The error for an operation on an execution this engine does not hold. @internal */
export function notHeldError(
  id: string,
  status: ExecutionStatus,
  refused: SagaError | undefined,
  started: boolean,
): SagaError {
  if (refused !== undefined) return refused;
  if (FINAL_STATUSES.includes(status)) {
    return new InvalidOperationError(`Execution "${id}" is ${status}: it is finished`, { executionId: id, status });
  }
  return new InvalidOperationError(
    `Execution "${id}" is ${status} but not held by this engine${started ? '' : ' (call start() first)'}`,
    { executionId: id, status },
  );
}

/** Why an engine in this state cannot be used, or undefined when it is started. @internal */
export function notStartedError(state: 'new' | 'started' | 'stopped'): SagaError | undefined {
  if (state === 'started') return undefined;
  return new InvalidOperationError(
    state === 'new' ? 'Call engine.start() before using the engine' : 'The engine is stopped',
  );
}

/** An effect about to start for an execution this engine no longer holds. @internal */
export function notHeld(): SagaError {
  return new InvalidOperationError('The execution is no longer held by this engine');
}
