import type { AnyActorRef, StateValue } from 'xstate';
import type { SagaContext } from '../compile/sagaContext.js';
import type { ExecutionTelemetryInfo } from '../telemetry/SagaTelemetry.js';
import type { ExecutionWrite, StoredExecution } from '../store/SagaStore.js';
import { statusOf } from './ExecutionView.js';
import type { LiveExecution } from './LiveExecution.js';
import type { RegisteredSaga } from './SagaRegistry.js';

/** What an execution starts its life in memory with (new, or resumed from the store). @internal */
export type LiveFields = Pick<
  LiveExecution,
  'id' | 'createdAt' | 'idempotencyKey' | 'revision' | 'lastSeq' | 'fence' | 'lastJson' | 'lastParked' | 'lastWakeAt'
>;

const noop = (): void => undefined;

/** The fields of an execution resumed from its last durable state. @internal */
export function liveFieldsOf(stored: StoredExecution): LiveFields {
  return {
    id: stored.id,
    createdAt: stored.createdAt,
    idempotencyKey: stored.idempotencyKey,
    revision: stored.revision,
    lastSeq: stored.lastSeq,
    fence: stored.fence,
    lastJson: stored.snapshot,
    lastParked: stored.parked,
    lastWakeAt: stored.wakeAt,
  };
}

/** Where a live execution's journal entries and snapshots go, and who builds its writes. @internal */
export interface ExecutionEvents {
  journal(execution: LiveExecution, entry: LiveExecution['pendingJournal'][number]): void;
  snapshot(execution: LiveExecution, snapshot: unknown): void;
  buildWrite(execution: LiveExecution): ExecutionWrite | undefined;
}

/**
 * Wraps an actor as a live execution: its journal entries and snapshots go to
 * `on`, then the actor starts (subscribed first: the first snapshot is emitted
 * inside start()).
 *
 * @internal
 */
export function attachExecution(
  actor: AnyActorRef,
  registered: RegisteredSaga,
  fields: LiveFields,
  on: ExecutionEvents,
): LiveExecution {
  const execution: LiveExecution = {
    id: fields.id,
    createdAt: fields.createdAt,
    idempotencyKey: fields.idempotencyKey,
    revision: fields.revision,
    lastSeq: fields.lastSeq,
    fence: fields.fence,
    lastJson: fields.lastJson,
    lastParked: fields.lastParked,
    lastWakeAt: fields.lastWakeAt,
    registered,
    actor,
    pendingJournal: [],
    pendingCommands: [],
    pendingOutbox: [],
    lastCommandId: 0,
    lastSnapshot: undefined,
    unsubscribe: noop,
    buildWrite: () => on.buildWrite(execution),
  };
  const journal = actor.on('journal', (emitted: { entry: LiveExecution['pendingJournal'][number] }) =>
    on.journal(execution, emitted.entry),
  );
  const subscription = actor.subscribe((snapshot) => on.snapshot(execution, snapshot));
  execution.unsubscribe = () => {
    journal.unsubscribe();
    subscription.unsubscribe();
  };
  return execution;
}

/** What telemetry needs of an execution in memory. @internal */
export function telemetryInfoOf(live: LiveExecution): ExecutionTelemetryInfo {
  const snapshot = live.actor.getSnapshot() as { value: StateValue; context: SagaContext };
  const { name, version } = live.registered.definition;
  return { saga: name, version, status: statusOf(snapshot.value), trace: snapshot.context.trace ?? null };
}
