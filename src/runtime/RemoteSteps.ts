import type { SagaContext } from '../compile/sagaContext.js';
import type { StepActorInput } from '../compile/stepActors.js';
import { InvalidOperationError } from '../definition/errors.js';
import type { AnySagaDefinition, SagaStep } from '../definition/types.js';
import { remoteCallOf } from '../remote/remote.js';
import { commandMessageId, remoteReplySchema, type RemoteCommand, type RemoteReply } from '../remote/RemoteCommand.js';
import type { CommandBody } from '../store/InboxCommand.js';
import type { OutboxMessage } from '../store/OutboxMessage.js';
import type { SagaStore } from '../store/SagaStore.js';
import { activeTraceparent } from '../telemetry/traceparent.js';
import type { LiveExecution } from './LiveExecution.js';

/**
 * What a relay (e.g. `natsRelay` from `sagachart/nats`) uses of an engine: the
 * outbox of remote commands to publish, and the door for their replies.
 */
export interface RemoteStepsPort {
  /** Up to `limit` commands not yet published, oldest first. */
  pending(limit?: number): Promise<OutboxMessage[]>;
  /** The broker stored these: they leave the outbox. */
  published(ids: readonly string[]): Promise<void>;
  /**
   * Hands participants' replies to their executions through the durable inbox (each applied
   * once, in order; duplicate and late ones are journalled as `ReplyIgnored`). Resolves once
   * they are durable: true for each taken, false for each whose execution is finished or unknown.
   */
  deliver(replies: readonly RemoteReply[]): Promise<boolean[]>;
  /** `listener` runs after each commit that added commands to the outbox; returns the unsubscribe function. */
  onSent(listener: () => void): () => void;
  /** The subjects the remote steps and compensations of the registered sagas send to. */
  subjects(): string[];
}

/** What remote steps need from the engine. @internal */
export interface RemoteStepsHost {
  live(id: string): LiveExecution | undefined;
  touch(live: LiveExecution): void;
  durable(id: string): Promise<void>;
  post(commands: readonly { readonly executionId: string; readonly body: CommandBody }[]): Promise<boolean[]>;
  sagas(): readonly AnySagaDefinition[];
}

function stepsOf(steps: readonly SagaStep[]): SagaStep[] {
  return steps.flatMap((s) => (s.kind === 'parallel' ? [...s.branches] : [s]));
}

/**
 * The engine's side of remote steps: a command joins the write of the state
 * that starts its step (so it is sent only if that state is durable), and
 * replies come back as inbox commands.
 *
 * @internal
 */
export class RemoteSteps implements RemoteStepsPort {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly store: SagaStore,
    private readonly host: RemoteStepsHost,
  ) {}

  async send(input: StepActorInput, command: RemoteCommand): Promise<void> {
    const live = this.host.live(input.executionId);
    if (live === undefined) throw new InvalidOperationError('The execution is no longer held by this engine');
    const { trace } = (live.actor.getSnapshot() as { context: SagaContext }).context;
    const traceparent = activeTraceparent(trace);
    live.pendingOutbox.push({
      id: commandMessageId(command),
      executionId: live.id,
      subject: command.subject,
      // The fencing token of this engine's hold: a participant can refuse a replaced engine's command.
      body: JSON.stringify({ ...command, fence: live.fence }),
      headers: traceparent === undefined ? {} : { traceparent },
      createdAt: Date.now(),
    });
    this.host.touch(live);
    await this.host.durable(live.id);
    for (const listener of this.listeners) listener();
  }

  pending(limit = 100): Promise<OutboxMessage[]> {
    return this.store.outbox(limit);
  }

  published(ids: readonly string[]): Promise<void> {
    return this.store.deleteOutbox(ids);
  }

  async deliver(replies: readonly RemoteReply[]): Promise<boolean[]> {
    const checked = replies.map((reply) => remoteReplySchema.parse(reply) as RemoteReply);
    if (checked.length === 0) return [];
    return this.host.post(checked.map((reply) => ({ executionId: reply.executionId, body: { kind: 'reply', reply } })));
  }

  onSent(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  subjects(): string[] {
    const subjects = new Set<string>();
    for (const saga of this.host.sagas()) {
      for (const step of stepsOf(saga.steps)) {
        if (step.kind !== 'step') continue;
        for (const fn of [step.options.run, step.options.compensate]) {
          const call = remoteCallOf(fn);
          if (call !== undefined) subjects.add(call.subject);
        }
      }
    }
    return [...subjects].sort();
  }
}
