import {
  ExecutionNotFoundError,
  InvalidOperationError,
  LeaseLostError,
  SagaError,
  type StoreError,
} from '../definition/errors.js';
import type { CommandBody, CommandRefusal, InboxCommand } from '../store/InboxCommand.js';
import type { SagaStore } from '../store/SagaStore.js';
import { applyOperation } from './applyOperation.js';
import type { LiveExecution } from './LiveExecution.js';
import { notHeldError } from './operationRefusals.js';
import { settledCommands } from './settledReads.js';

interface Submission {
  readonly executionId: string;
  readonly body: CommandBody;
  readonly at: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

interface CommandWaiter {
  readonly executionId: string;
  /** Applied in memory: its caller hears once the write that settles it is durable (or failed). */
  applied?: boolean;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** What the inbox needs from the engine. @internal */
export interface InboxHost {
  /** Resolves once everything queued so far for the execution is durable. */
  durable(id: string): Promise<void>;
  /** Queues a write of the execution even if its snapshot did not change (to settle commands). */
  touch(live: LiveExecution): void;
  /** A command was appended for the execution: apply it now if it is in memory, else claim it. */
  wake(id: string): void;
}

const refusalOf = (error: Error): CommandRefusal => ({
  name: error.name,
  code: error instanceof SagaError ? error.code : 'ERROR',
  message: error.message,
});

/** A refusal another engine stored, as the error the caller here gets. */
const refusalError = (executionId: string, refusal: CommandRefusal | undefined): SagaError =>
  refusal?.code === 'EXECUTION_NOT_FOUND'
    ? new ExecutionNotFoundError(executionId)
    : new InvalidOperationError(refusal?.message ?? 'The command was refused', { executionId });

/**
 * The durable inbox, engine side: `send`, `cancel` and `retry` on an execution
 * that is not in memory append a command to the store (appends of one tick in
 * one transaction) and resolve once an engine applied it, or reject with its
 * refusal. Commands apply in order, and each outcome is written with the
 * execution's next write, so a command takes effect exactly once.
 *
 * @internal
 */
export class Inbox {
  private queue: Submission[] = [];
  private scheduled = false;
  private readonly waiters = new Map<number, CommandWaiter>();
  /** How many waiters each execution has, so `awaited` is O(1). */
  private readonly perExecution = new Map<string, number>();
  private closedWith: SagaError | undefined;
  private rechecking: Promise<void> | undefined;

  constructor(
    private readonly store: SagaStore,
    private readonly host: InboxHost,
  ) {}

  /** Appends a command for an execution this engine does not hold; resolves when it was applied. */
  submit(executionId: string, body: CommandBody): Promise<void> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      this.queue.push({ executionId, body, at: Date.now(), resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => void this.flush());
    });
  }

  /**
   * Appends commands nobody waits for (remote replies) in one transaction and wakes their
   * executions. Resolves once they are durable: true for each appended, false for each whose
   * execution is finished or unknown.
   */
  async post(commands: readonly { readonly executionId: string; readonly body: CommandBody }[]): Promise<boolean[]> {
    if (this.closedWith !== undefined) throw this.closedWith;
    const at = Date.now();
    const appended = await this.store.appendCommands(commands.map((c) => ({ ...c, at })));
    for (const id of new Set(appended.flatMap((c) => (c === undefined ? [] : [c.executionId])))) this.host.wake(id);
    return appended.map((c) => c !== undefined);
  }

  /** Applies the commands not yet applied in memory, in order; their callers hear once the outcome is durable. */
  apply(live: LiveExecution, commands: readonly InboxCommand[]): void {
    const fresh = commands.filter((c) => c.id > live.lastCommandId).sort((a, b) => a.id - b.id);
    if (fresh.length === 0) return;
    const outcomes: { id: number; error: Error | undefined }[] = [];
    for (const command of fresh) {
      const error = applyOperation(live, command.body);
      live.lastCommandId = command.id;
      const waiter = this.waiters.get(command.id);
      if (waiter !== undefined) waiter.applied = true;
      live.pendingCommands.push(
        error === undefined ? { id: command.id } : { id: command.id, refusal: refusalOf(error) },
      );
      outcomes.push({ id: command.id, error });
    }
    this.host.touch(live);
    this.host.durable(live.id).then(
      () => {
        for (const { id, error } of outcomes) {
          const waiter = this.take(id);
          if (error === undefined) waiter?.resolve();
          else waiter?.reject(error);
        }
      },
      (error: unknown) => {
        for (const { id } of outcomes) {
          // Another engine holds the execution now: it applies the command, and `recheck` hears of it.
          if (error instanceof LeaseLostError) this.unapplyOne(id);
          else this.take(id)?.reject(error);
        }
      },
    );
  }

  /** The execution left this engine unwritten (taken over): its callers wait for the new holder. */
  unapply(executionId: string): void {
    for (const [id, waiter] of this.waiters) if (waiter.executionId === executionId) this.unapplyOne(id);
  }

  private unapplyOne(id: number): void {
    const waiter = this.waiters.get(id);
    if (waiter !== undefined) waiter.applied = false;
  }

  /**
   * Asks the store about the commands callers here wait for that this engine did not
   * apply: another engine holds their executions, and settles them.
   */
  recheck(): Promise<void> {
    this.rechecking ??= this.readOutcomes().finally(() => {
      this.rechecking = undefined;
    });
    return this.rechecking;
  }

  private async readOutcomes(): Promise<void> {
    const asked = [...this.waiters].filter(([, waiter]) => waiter.applied !== true);
    if (asked.length === 0) return;
    const settled = await settledCommands(
      this.store,
      asked.map(([id]) => id),
    ).catch(() => []);
    const waiting = new Map(asked);
    for (const command of settled) {
      const waiter = waiting.get(command.id);
      if (waiter === undefined || this.waiters.get(command.id) !== waiter) continue;
      this.take(command.id);
      if (command.state === 'applied') waiter.resolve();
      else waiter.reject(refusalError(waiter.executionId, command.refusal));
    }
  }

  /** Whether a caller in this process waits for a command of this execution. */
  awaited(executionId: string): boolean {
    return this.perExecution.has(executionId);
  }

  /** Rejects the callers of these commands (the execution cannot be resumed here). */
  reject(commands: readonly InboxCommand[], error: SagaError): void {
    for (const { id } of commands) this.take(id)?.reject(error);
  }

  /** Opens the inbox again (the engine starts). */
  open(): void {
    this.closedWith = undefined;
  }

  /**
   * Rejects the callers of commands not applied yet, now and later (the engine stops); their
   * commands stay in the store. Applied ones hear from their write's commit.
   */
  close(error: SagaError | StoreError): void {
    this.closedWith = error;
    for (const submission of this.queue.splice(0)) submission.reject(error);
    for (const [id, waiter] of this.waiters) {
      if (waiter.applied === true) continue;
      this.take(id);
      waiter.reject(error);
    }
  }

  private take(id: number): CommandWaiter | undefined {
    const waiter = this.waiters.get(id);
    if (waiter === undefined) return undefined;
    this.waiters.delete(id);
    const left = (this.perExecution.get(waiter.executionId) ?? 1) - 1;
    if (left > 0) this.perExecution.set(waiter.executionId, left);
    else this.perExecution.delete(waiter.executionId);
    return waiter;
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.queue.splice(0);
    if (batch.length === 0) return;
    let appended: (InboxCommand | undefined)[];
    try {
      appended = await this.store.appendCommands(batch);
    } catch (error) {
      for (const submission of batch) submission.reject(error);
      return;
    }
    if (this.closedWith !== undefined) {
      for (const submission of batch) submission.reject(this.closedWith);
      return;
    }
    const woken = new Set<string>();
    batch.forEach((submission, i) => {
      const command = appended[i];
      if (command === undefined) {
        void this.gone(submission);
        return;
      }
      this.perExecution.set(submission.executionId, (this.perExecution.get(submission.executionId) ?? 0) + 1);
      this.waiters.set(command.id, {
        executionId: submission.executionId,
        resolve: submission.resolve,
        reject: submission.reject,
      });
      woken.add(submission.executionId);
    });
    for (const id of woken) this.host.wake(id);
  }

  /** The execution finished (or vanished) before the command was appended. */
  private async gone(submission: Submission): Promise<void> {
    try {
      const stored = await this.store.get(submission.executionId);
      submission.reject(
        stored === undefined
          ? new ExecutionNotFoundError(submission.executionId)
          : notHeldError(submission.executionId, stored.status, undefined, true),
      );
    } catch (error) {
      submission.reject(error);
    }
  }
}
