import type { AnyStateMachine, SnapshotFrom } from 'xstate';
import { replyEvent, type SagaContext } from '../compile/sagaContext.js';
import { toJson } from '../compile/toJson.js';
import { PermanentError } from '../definition/errors.js';
import type { RemoteFailure, RemoteReply } from '../remote/RemoteCommand.js';
import type { LiveExecution } from './LiveExecution.js';

/** A participant's failure as the error the chart records (permanent ones skip the retries). */
function remoteError(failure: RemoteFailure): Error {
  const error = failure.permanent === true ? new PermanentError(failure.message) : new Error(failure.message);
  if (failure.permanent !== true) error.name = failure.name;
  return error;
}

/** Why a reply the chart cannot take is ignored, in words for the journal. */
function ignoredBecause(context: SagaContext, reply: RemoteReply, current: number | undefined): string {
  if (current !== undefined && reply.attempt < current) return `late: attempt ${current} is the current one`;
  const settled =
    reply.kind === 'run' ? context.completed.includes(reply.step) : context.compensated.includes(reply.step);
  if (settled) return 'duplicate: the attempt already completed';
  return reply.kind === 'run' && context.compensated.includes(reply.step)
    ? 'late: the step was compensated'
    : 'late: the attempt is no longer waiting (timed out, failed, or compensation started)';
}

/**
 * Applies a remote step's reply to an execution in memory: when the attempt it
 * answers still waits, it completes (or fails) that attempt in the same
 * transition; a duplicate or late reply, or a participant's refusal of a
 * replaced engine's command (`stale`), is journalled (`ReplyIgnored`) and
 * changes nothing else. Either way the inbox command is settled once.
 *
 * @internal
 */
export function applyReply(live: LiveExecution, reply: RemoteReply): void {
  const snapshot = live.actor.getSnapshot() as SnapshotFrom<AnyStateMachine> & { context: SagaContext };
  const { context } = snapshot;
  const current = (reply.kind === 'run' ? context.attempts : context.compensationAttempts)[reply.step];
  let event: { type: string; output?: unknown; error?: unknown };
  if (reply.ok) {
    try {
      event = { type: replyEvent(reply.step, reply.kind, true), output: toJson(reply.step, reply.output, 'replied') };
    } catch (error) {
      event = { type: replyEvent(reply.step, reply.kind, false), error };
    }
  } else {
    event = { type: replyEvent(reply.step, reply.kind, false), error: remoteError(reply.error) };
  }
  // A participant refused a replaced engine's command: an answer to that engine, never this attempt's outcome.
  const stale = !reply.ok && reply.stale === true;
  if (!stale && reply.executionId === live.id && reply.attempt === current && snapshot.can(event)) {
    live.actor.send(event);
    return;
  }
  live.pendingJournal.push({
    at: Date.now(),
    type: 'ReplyIgnored',
    step: reply.step,
    attempt: reply.attempt,
    data: {
      key: reply.key,
      kind: reply.kind,
      ok: reply.ok,
      why: stale ? `stale: ${reply.error.message}` : ignoredBecause(context, reply, current),
    },
  });
}
