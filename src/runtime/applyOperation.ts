import type { AnyStateMachine, SnapshotFrom } from 'xstate';
import { CANCEL_EVENT, RETRY_EVENT } from '../compile/sagaContext.js';
import type { SagaError } from '../definition/errors.js';
import type { CommandBody } from '../store/InboxCommand.js';
import { checkExternalEvent, explainRefusedEvent } from './externalEvent.js';
import { applyReply } from './applyReply.js';
import type { LiveExecution } from './LiveExecution.js';
import { cancelRefusal, retryRefusal } from './operationRefusals.js';

/**
 * Applies `send`, `cancel` or `retry` to an execution in memory, or says why it
 * is refused (the same errors whether the caller reached it directly or through
 * the inbox). Synchronous: the transition it causes is in the actor when it returns.
 *
 * @internal
 */
export function applyOperation(live: LiveExecution, body: CommandBody): Error | undefined {
  const snapshot = live.actor.getSnapshot() as SnapshotFrom<AnyStateMachine>;
  const { id, registered } = live;
  switch (body.kind) {
    case 'send': {
      try {
        checkExternalEvent(body.event);
      } catch (error) {
        return error as SagaError;
      }
      const message = { type: body.event.type, data: body.event.data };
      if (!snapshot.can(message)) return explainRefusedEvent(id, registered.plan, snapshot, body.event);
      live.actor.send(message);
      return undefined;
    }
    case 'cancel': {
      const refusal = cancelRefusal(id, registered.plan, snapshot, body.reason);
      if (refusal !== undefined) return refusal;
      live.actor.send({ type: CANCEL_EVENT, reason: body.reason });
      return undefined;
    }
    case 'retry': {
      const refusal = retryRefusal(id, snapshot);
      if (refusal !== undefined) return refusal;
      live.actor.send({ type: RETRY_EVENT });
      return undefined;
    }
    case 'reply':
      applyReply(live, body.reply);
      return undefined;
  }
}
