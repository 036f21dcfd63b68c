import type { AnyStateMachine, SnapshotFrom } from 'xstate';
import type { SagaPlan } from '../compile/sagaPlan.js';
import { InvalidOperationError, SagaInputError } from '../definition/errors.js';
import { copyPlainJson } from './boundaryValues.js';
import { statusOf } from './ExecutionView.js';

/** An event sent to an execution with `engine.send`. */
export interface ExternalEvent {
  readonly type: string;
  readonly data?: unknown;
}

const RESERVED = ['saga.', 'xstate.'];
const MAX_EVENT_TYPE_LENGTH = 200;

/** @internal */
export function checkExternalEvent(event: ExternalEvent): void {
  if (typeof event !== 'object' || event === null || typeof event.type !== 'string' || event.type.length === 0) {
    throw new InvalidOperationError('An event needs a non-empty string "type"');
  }
  if (RESERVED.some((prefix) => event.type.startsWith(prefix))) {
    throw new InvalidOperationError(`Event type "${event.type}" is reserved for the engine; use cancel() or retry()`);
  }
  if (event.type.length > MAX_EVENT_TYPE_LENGTH) {
    throw new InvalidOperationError(`An event type is at most ${MAX_EVENT_TYPE_LENGTH} characters long`);
  }
}

/** An event's data checked as plain JSON within the limits, and copied. @internal */
export function externalEventData(id: string, event: ExternalEvent): unknown {
  if (event.data === undefined) return undefined;
  return copyPlainJson(event.data, 'data', `Data of event "${event.type}" for execution "${id}"`, {
    executionId: id,
  });
}

/**
 * Why an execution cannot take an event: bad data for the event it waits for
 * (SagaInputError), or it is not waiting for that event (InvalidOperationError).
 *
 * @internal
 */
export function explainRefusedEvent(
  id: string,
  plan: SagaPlan,
  snapshot: SnapshotFrom<AnyStateMachine>,
  event: ExternalEvent,
): Error {
  const status = statusOf(snapshot.value);
  const waiting = [...plan.waits.values()].find((w) => snapshot.matches({ Running: w.name }));
  const schema = waiting?.definition.options.schema;
  if (waiting !== undefined && waiting.definition.options.event === event.type && schema !== undefined) {
    const parsed = schema.safeParse(event.data);
    const issues = parsed.success
      ? []
      : parsed.error.issues.map((i) => ({ path: ['data', ...i.path], message: i.message, code: i.code }));
    const where = issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    return new SagaInputError(`Invalid data for event "${event.type}" of execution "${id}": ${where}`, issues, {
      executionId: id,
      step: waiting.name,
    });
  }
  const now = waiting === undefined ? `it is ${status}` : `it is waiting for "${waiting.definition.options.event}"`;
  return new InvalidOperationError(`Execution "${id}" is not waiting for "${event.type}": ${now}`, {
    executionId: id,
    status,
  });
}
