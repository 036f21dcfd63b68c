import { ExecutionNotFoundError, InvalidOperationError, SagaError } from '../definition/errors.js';
import type { CommandBody } from '../store/InboxCommand.js';
import { FINAL_STATUSES, type ClaimedExecution, type SagaStore, type StoredExecution } from '../store/SagaStore.js';
import { applyOperation } from './applyOperation.js';
import { Inbox } from './Inbox.js';
import type { LiveExecution } from './LiveExecution.js';
import type { ResolvedPassivation } from './passivationOptions.js';
import { WakeUpPoller } from './WakeUpPoller.js';

/** What the passivator needs from the engine that holds the live executions. @internal */
export interface PassivatorHost {
  live(id: string): LiveExecution | undefined;
  /** Brings a stored execution into memory; throws a SagaError when it cannot run here. */
  resume(stored: StoredExecution): void;
  /** The error an operation on this stored execution gets before it is queued, if any. */
  refusal(stored: StoredExecution): SagaError | undefined;
  /** The execution cannot be resumed here: remember why and tell whoever waits for it. */
  refuse(id: string, error: SagaError): void;
  durable(id: string): Promise<void>;
  touch(live: LiveExecution): void;
  /** How many more executions this engine may take into memory. */
  capacity(): number;
}

/**
 * The engine's side of parked executions: after a write that parks is durable the
 * execution leaves memory; due ones come back through the wake-up poller; `send`,
 * `cancel` and `retry` reach them through the durable inbox.
 *
 * @internal
 */
export class Passivator {
  private readonly poller: WakeUpPoller;
  private readonly inbox: Inbox;

  constructor(
    private readonly store: SagaStore,
    options: ResolvedPassivation,
    private readonly host: PassivatorHost,
  ) {
    this.poller = new WakeUpPoller(
      store,
      options,
      (claimed) => this.onClaimed(claimed),
      () => host.capacity(),
    );
    this.inbox = new Inbox(store, {
      durable: (id) => host.durable(id),
      touch: (live) => host.touch(live),
      wake: (id) => this.wake(id),
    });
  }

  start(): void {
    this.inbox.open();
    this.poller.start();
  }

  /** Stops claiming; nothing new comes into memory. */
  stop(): void {
    this.poller.stop();
  }

  /** Rejects the callers whose commands were not applied (after the last commits settled theirs). */
  close(error: SagaError): void {
    this.inbox.close(error);
  }

  /**
   * A write of this execution is durable. Returns true when it leaves memory: it parked
   * and nothing moved since. Its wake-up time arms the poller.
   */
  leavesMemory(live: LiveExecution, stored: StoredExecution): boolean {
    if (!stored.parked || live.revision !== stored.revision) return false;
    // A command appended while it was leaving memory is claimed from the store at once.
    if (this.inbox.awaited(stored.id)) this.poller.nudge(Date.now());
    else if (stored.wakeAt !== null) this.poller.nudge(stored.wakeAt);
    return true;
  }

  /** Appends commands nobody waits for (remote replies); true for each that an unfinished execution took. */
  post(commands: readonly { readonly executionId: string; readonly body: CommandBody }[]): Promise<boolean[]> {
    return this.inbox.post(commands);
  }

  /** `send`, `cancel` or `retry`: applied directly when the execution is in memory, else through the inbox. */
  async operate(id: string, body: CommandBody): Promise<void> {
    const live = this.host.live(id);
    if (live !== undefined) return this.operateLive(live, body);
    const stored = await this.store.get(id);
    if (stored === undefined) throw new ExecutionNotFoundError(id);
    const refusal = this.host.refusal(stored);
    if (refusal !== undefined) throw refusal;
    const current = this.host.live(id);
    if (current !== undefined) return this.operateLive(current, body);
    return this.inbox.submit(id, body);
  }

  private async operateLive(live: LiveExecution, body: CommandBody): Promise<void> {
    const refusal = applyOperation(live, body);
    if (refusal !== undefined) throw refusal;
    await this.host.durable(live.id);
  }

  /** Due parked executions claimed from the store: resume each and apply its commands in order. */
  private onClaimed(claimed: readonly ClaimedExecution[]): void {
    for (const { execution: stored, commands } of claimed) {
      if (FINAL_STATUSES.includes(stored.status)) continue;
      let live = this.host.live(stored.id);
      if (live === undefined) {
        try {
          this.host.resume(stored);
        } catch (cause) {
          // One execution that cannot resume must not keep the rest of the batch from moving.
          const error =
            cause instanceof SagaError
              ? cause
              : new InvalidOperationError(`Execution "${stored.id}" cannot be resumed: ${String(cause)}`, {
                  executionId: stored.id,
                  cause,
                });
          // Left unparked, so the next start() reports it too.
          this.host.refuse(stored.id, error);
          this.inbox.reject(commands, error);
          continue;
        }
        live = this.host.live(stored.id);
      } else {
        // It moved after the write that parked it and stayed in memory; this engine claimed it
        // again (a new fence): its next writes carry the fence it holds now.
        live.fence = stored.fence;
      }
      if (live !== undefined) this.inbox.apply(live, commands);
    }
  }

  /** Another engine may have settled commands callers here wait for: ask the store. */
  recheckCommands(): Promise<void> {
    return this.inbox.recheck();
  }

  /** The execution left this engine (taken over): its commands applied here but not written wait for their new holder. */
  unapply(executionId: string): void {
    this.inbox.unapply(executionId);
  }

  /** `id` has (or may have) pending commands: apply them here if it is in memory, else claim it now. */
  wake(id: string): void {
    if (this.host.live(id) === undefined) {
      this.poller.nudge(Date.now());
      return;
    }
    this.store.pendingCommands(id).then(
      (commands) => {
        const current = this.host.live(id);
        if (current !== undefined) this.inbox.apply(current, commands);
        else this.poller.nudge(Date.now());
      },
      () => this.poller.nudge(Date.now()),
    );
  }
}
