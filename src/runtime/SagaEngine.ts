import { randomUUID } from 'node:crypto';
import { createActor, type AnyActorRef, type StateValue } from 'xstate';
import { SagaTelemetry } from '../telemetry/SagaTelemetry.js';
import type { StepActorInput } from '../compile/stepActors.js';
import { InvalidOperationError, LeaseLostError, SagaError, type StoreError } from '../definition/errors.js';
import type { AnySagaDefinition, ExecutionId, InputFrom, ResultsFrom } from '../definition/types.js';
import { notifyListeners } from '../events/notifyListeners.js';
import { attachExecution, liveFieldsOf, telemetryInfoOf } from './attachExecution.js';
import type { ExecutionEvents, LiveFields } from './attachExecution.js';
import { committedEvent } from './committedEvent.js';
import type { SagaLifecycleListener } from '../events/SagaLifecycleEvent.js';
import { memoryStore } from '../store/memoryStore.js';
import {
  FINAL_STATUSES,
  SETTLED_STATUSES,
  type ExecutionStatus,
  type ExecutionWrite,
  type OwnershipStats,
  type StoredExecution,
} from '../store/SagaStore.js';
import { checkReason } from './boundaryValues.js';
import { checkExternalEvent, externalEventData, type ExternalEvent } from './externalEvent.js';
import { settledView, statusOf, type ExecutionView } from './ExecutionView.js';
import { EngineOwnership } from './EngineOwnership.js';
import { ExecutionReads } from './ExecutionReads.js';
import { GroupCommitter } from './GroupCommitter.js';
import type { LiveExecution } from './LiveExecution.js';
import { ReloadSchedule } from './ReloadSchedule.js';
import { SagaRegistry, type RegisteredSaga } from './SagaRegistry.js';
import { checkExecuteOptions, type ExecuteOptions } from './executeOptions.js';
import { assertWritableStore } from './assertWritableStore.js';
import { notHeld, notHeldError, notStartedError } from './operationRefusals.js';
import { buildExecutionWrite } from './buildExecutionWrite.js';
import { Passivator } from './Passivator.js';
import { RemoteSteps, type RemoteStepsPort } from './RemoteSteps.js';
import { resolvePassivation, type ResolvedPassivation } from './passivationOptions.js';
import { SettleWaiters } from './SettleWaiters.js';
import { settledViews } from './settledReads.js';
import { checkedInput, existingStart, StartClaims, type StartRequest } from './startRequest.js';
import type { ExecuteResult, RecoveryReport, SagaEngineOptions } from './SagaEngineOptions.js';

export type { ExecuteResult, RecoveryReport, SagaEngineOptions } from './SagaEngineOptions.js';
export type { PassivationOptions } from './passivationOptions.js';

/**
 * Runs sagas durably: every transition is written to the store before the
 * side effects it announces, and `start()` resumes what a crash interrupted.
 *
 * @example
 * const engine = new SagaEngine({ store: sqliteStore('data/sagachart.db'), sagas: [orderFulfillment] });
 * await engine.start();
 * const { id } = await engine.execute(orderFulfillment, { orderId: 'A1', amount: 42 });
 * const outcome = await engine.waitFor(id); // outcome.status: 'Completed' | 'Compensated' | 'Failed'
 */
export class SagaEngine extends ExecutionReads {
  protected readonly registry: SagaRegistry;
  private readonly committer: GroupCommitter;
  private readonly live = new Map<string, LiveExecution>();
  private readonly claims = new StartClaims();
  private startup: Promise<RecoveryReport> | undefined;
  private readonly refused = new Map<string, SagaError>();
  private readonly listeners = new Set<SagaLifecycleListener>();
  private readonly settleWaiters = new SettleWaiters();
  private readonly passivation: ResolvedPassivation;
  private readonly passivator: Passivator;
  private readonly ownership: EngineOwnership;
  private readonly committedStates = new WeakMap<ExecutionWrite, StateValue>();
  /** What every live execution reports to: one set of handlers, not new ones per execution. */
  private readonly executionEvents: ExecutionEvents = {
    journal: (live, entry) => {
      live.pendingJournal.push(entry);
      this.telemetry.onJournal(live.id, live.registered.definition.name, entry);
    },
    snapshot: (live, snapshot) => this.onSnapshot(live, snapshot),
    buildWrite: (live) => this.buildWrite(live),
  };
  private readonly reloads = new ReloadSchedule((id) => this.reload(id));
  private state: 'new' | 'started' | 'stopped' = 'new';
  private readonly inspect: SagaEngineOptions['inspect'];
  private readonly telemetry: SagaTelemetry;
  /** The outbox and reply door of remote steps, for a relay such as `natsRelay` (`sagachart/nats`). */
  readonly remote: RemoteStepsPort;

  constructor(options: SagaEngineOptions) {
    super(options.store ?? memoryStore());
    this.inspect = options.inspect;
    this.telemetry = new SagaTelemetry((id) => {
      const live = this.live.get(id);
      return live === undefined ? undefined : telemetryInfoOf(live);
    });
    this.registry = new SagaRegistry(
      {
        beforeEffect: (input) => this.beforeEffect(input),
        aroundEffect: (input, call) => this.telemetry.around(input, call),
        sendRemote: (input, command) => remote.send(input, command),
        fenceOf: (id) => this.live.get(id)?.fence ?? 0,
      },
      options.testOnly,
    );
    for (const saga of options.sagas) this.registry.register(saga);
    this.committer = new GroupCommitter(
      this.store,
      {
        committed: (writes) => this.onCommitted(writes),
        failed: (writes, error) => this.onCommitFailed(writes, error),
        unwritable: (id, error) => this.onUnwritable(id, error),
        lost: (ids) => this.ownership.lost(ids),
      },
      { windowMs: options.groupCommitWindowMs },
    );
    const remote = new RemoteSteps(this.store, {
      live: (id) => this.live.get(id),
      touch: (live) => this.touch(live),
      durable: (id) => this.committer.durable(id),
      post: (commands) => this.passivator.post(commands),
      sagas: () => this.sagas(),
    });
    this.remote = remote;
    this.passivation = resolvePassivation(options.passivation);
    this.ownership = new EngineOwnership(this.store, this.passivation.pollIntervalMs, {
      lost: (id) => this.onLost(id),
      commandsAppended: (id) => this.live.has(id) && this.passivator.wake(id),
      holding: () => this.live.keys(),
      recheck: () => {
        void this.passivator.recheckCommands();
        this.settleWaiters.recheck(
          (id) => this.live.has(id),
          (ids) => settledViews(this.store, ids),
        );
      },
    });
    this.passivator = new Passivator(this.store, this.passivation, {
      live: (id) => this.live.get(id),
      resume: (stored) => this.resume(stored),
      refusal: (stored) => this.refusalOf(stored),
      refuse: (id, error) => {
        this.refused.set(id, error);
        this.settleWaiters.reject(id, error);
      },
      durable: (id) => this.committer.durable(id),
      touch: (live) => this.touch(live),
      capacity: () => this.ownership.capacity(this.live.size),
    });
  }

  /**
   * Opens the store and resumes, from their last durable state, the executions that
   * were moving; parked ones stay in the store until they are due or called.
   */
  start(): Promise<RecoveryReport> {
    // Two starts at once would resume every execution twice: the second one shares the first.
    if (this.startup !== undefined) return this.startup;
    if (this.state === 'started') return Promise.reject(new InvalidOperationError('The engine is already started'));
    this.startup = this.recover().finally(() => {
      this.startup = undefined;
    });
    return this.startup;
  }

  private async recover(): Promise<RecoveryReport> {
    assertWritableStore(this.store);
    await this.store.init();
    this.state = 'started';
    this.refused.clear();
    let resumed = 0;
    this.ownership.start();
    for (const stored of await this.store.takeOverHeld()) {
      try {
        this.resume(stored);
        // Commands appended before a crash and not applied yet are applied now.
        this.passivator.wake(stored.id);
        resumed += 1;
      } catch (error) {
        if (!(error instanceof SagaError)) throw error;
        this.refused.set(stored.id, error);
      }
    }
    // Claims start after the held ones are back, so none is resumed twice.
    this.passivator.start();
    return { resumed, refused: [...this.refused].map(([id, error]) => ({ id, error })) };
  }

  /**
   * Starts an execution and resolves once its first state is durable. With the
   * same `executionId` or `idempotencyKey` as an earlier start, returns that one.
   */
  execute<TSaga extends AnySagaDefinition>(
    saga: TSaga,
    input: InputFrom<TSaga>,
    options?: ExecuteOptions,
  ): Promise<ExecuteResult<ResultsFrom<TSaga>>>;
  execute(saga: string, input: unknown, options?: ExecuteOptions): Promise<ExecuteResult>;
  async execute(
    saga: AnySagaDefinition | string,
    input: unknown,
    options: ExecuteOptions = {},
  ): Promise<ExecuteResult> {
    this.assertStarted();
    checkExecuteOptions(options);
    const registered = this.registry.forCall(saga);
    const raw = checkedInput(registered.definition, input);
    // A fresh random id names no execution yet, here or in the store: nothing to look up or claim.
    if (options.executionId === undefined && options.idempotencyKey === undefined) {
      return this.startNew(registered, randomUUID(), raw, options);
    }
    const request: StartRequest = {
      saga: registered.definition.name,
      input: raw,
      executionId: options.executionId ?? randomUUID(),
      idempotencyKey: options.idempotencyKey,
    };
    return this.claims.claim(request, () => this.startNew(registered, request.executionId, raw, options, request));
  }

  /** Resolves when the execution is Completed, Compensated or Failed (Failed waits for a person). */
  waitFor<TResults = Record<string, unknown>>(id: ExecutionId<TResults>): Promise<ExecutionView<TResults>>;
  async waitFor(id: string): Promise<ExecutionView> {
    const reloading = this.reloads.whenReloaded(id);
    if (reloading !== undefined) {
      await reloading;
      return this.waitFor(id);
    }
    const live = this.live.get(id);
    if (live !== undefined) {
      if (SETTLED_STATUSES.includes(statusOf(live.actor.getSnapshot().value))) {
        await this.committer.durable(id);
        return this.get(id);
      }
      return this.settleWaiters.wait(id);
    }
    if (this.state !== 'started' || this.refused.has(id)) {
      const view = await this.get(id);
      if (SETTLED_STATUSES.includes(view.status)) return view;
      throw this.notRunningHere(id, view.status);
    }
    return this.settleWaiters.waitParked(
      id,
      () => this.get(id),
      (view) => SETTLED_STATUSES.includes(view.status),
    );
  }

  /** Delivers an event to an execution waiting for it (an `awaitEvent` step). */
  async send(id: string, event: ExternalEvent): Promise<void> {
    checkExternalEvent(event);
    const data = externalEventData(id, event);
    this.assertStarted();
    return this.passivator.operate(id, { kind: 'send', event: { type: event.type, data } });
  }

  /** Cancels a Running execution before its pivot: it compensates what completed. */
  async cancel(id: string, reason: string = 'cancelled'): Promise<void> {
    checkReason(id, reason);
    this.assertStarted();
    return this.passivator.operate(id, { kind: 'cancel', reason });
  }

  /** Resumes a Failed execution from exactly where it stopped. */
  async retry(id: string): Promise<void> {
    this.assertStarted();
    return this.passivator.operate(id, { kind: 'retry' });
  }

  /** How many executions this engine holds in memory (the ones that move); parked ones are not counted. */
  held(): number {
    return this.live.size;
  }

  /**
   * Called when the feed may have grown through another engine's commit (a store many
   * engines share); `subscribe` hears this engine's own. Returns the unsubscribe function.
   */
  watchFeed(listener: () => void): () => void {
    return this.ownership.watchFeed(listener);
  }

  /** This engine's id, and what it holds, claimed and lost (a store many engines share), else undefined. */
  ownershipStats(): (OwnershipStats & { engineId: string }) | undefined {
    return this.ownership.stats();
  }

  /** Listens to every durable transition of every execution; returns the unsubscribe function. */
  subscribe(listener: SagaLifecycleListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops gracefully: writes what is queued, stops the actors; everything stays resumable. */
  async stop(): Promise<void> {
    if (this.state !== 'started') return;
    this.state = 'stopped';
    this.passivator.stop();
    this.ownership.stop();
    this.reloads.clear();
    const live = [...this.live.values()];
    for (const execution of live) execution.unsubscribe();
    await this.committer.idle();
    for (const execution of live) execution.actor.stop();
    this.passivator.close(
      new InvalidOperationError(
        "The engine stopped before the command was applied: it stays in the execution's inbox, applied or refused when the execution next runs",
      ),
    );
    this.settleWaiters.rejectAll(
      (id) => new InvalidOperationError(`The engine stopped before execution "${id}" settled`, { executionId: id }),
    );
    this.live.clear();
    this.telemetry.endAll();
    await this.store.close();
  }

  /** Starts an execution; with a `request` (a caller-given id or key), returns the one it names if there is one. */
  private async startNew(
    registered: RegisteredSaga,
    id: string,
    input: unknown,
    options: ExecuteOptions,
    request?: StartRequest,
  ): Promise<ExecuteResult> {
    const existing = request && (await existingStart(this.store, request, this.live.has(id)));
    if (existing !== undefined) return existing;
    const deadlineMs = options.deadlineMs ?? registered.definition.deadlineMs;
    const { name, version } = registered.definition;
    const actor = createActor(registered.machine, {
      input: {
        executionId: id,
        input,
        deadlineAt: deadlineMs === undefined ? null : Date.now() + deadlineMs,
        trace: this.telemetry.startExecution(name, version, id),
      },
      ...(this.inspect === undefined ? {} : { inspect: this.inspect }),
    });
    this.attach(actor, registered, {
      id,
      createdAt: Date.now(),
      idempotencyKey: options.idempotencyKey ?? null,
      revision: 0,
      lastSeq: 0,
      fence: 1,
      lastJson: undefined,
      lastParked: false,
      lastWakeAt: null,
    });
    // An acknowledged start must survive a crash: resolve only after the first commit.
    await this.committer.durable(id);
    return { id, existing: false };
  }

  /** Why an operation on an execution that is not in memory is refused before it is queued. */
  private refusalOf(stored: StoredExecution): SagaError | undefined {
    if (FINAL_STATUSES.includes(stored.status) || this.refused.has(stored.id)) {
      return this.notRunningHere(stored.id, stored.status);
    }
    try {
      this.registry.forStored(stored);
      return undefined;
    } catch (error) {
      if (error instanceof SagaError) return error;
      throw error;
    }
  }

  private resume(stored: StoredExecution): void {
    const registered = this.registry.forStored(stored);
    const actor = createActor(registered.machine, {
      snapshot: JSON.parse(stored.snapshot) as never,
      ...(this.inspect === undefined ? {} : { inspect: this.inspect }),
    });
    this.attach(actor, registered, liveFieldsOf(stored));
  }

  private attach(actor: AnyActorRef, registered: RegisteredSaga, fields: LiveFields): void {
    const execution = attachExecution(actor, registered, fields, this.executionEvents);
    this.live.set(execution.id, execution);
    actor.start();
  }

  private onSnapshot(execution: LiveExecution, snapshot: unknown): void {
    if (snapshot === execution.lastSnapshot && execution.pendingJournal.length === 0) return;
    execution.lastSnapshot = snapshot;
    this.touch(execution);
  }

  /** Queues the execution's next write. */
  private touch(execution: LiveExecution): void {
    execution.revision += 1;
    this.committer.enqueue(execution.id, execution.revision, execution.buildWrite);
  }

  /** Serialises an execution once per flush, however often it moved in the tick. */
  private buildWrite(execution: LiveExecution): ExecutionWrite | undefined {
    const built = buildExecutionWrite(execution, this.passivation.thresholdMs);
    // Only listeners read the committed state (a listener added in between gets the status instead).
    if (built !== undefined && this.listeners.size > 0) this.committedStates.set(built.write, built.state);
    return built?.write;
  }

  private onCommitted(writes: readonly ExecutionWrite[]): void {
    for (const write of writes) {
      const { execution: stored } = write;
      if (this.listeners.size > 0) {
        notifyListeners(this.listeners, committedEvent(write, this.committedStates.get(write) ?? stored.status));
      }
      const live = this.live.get(stored.id);
      if (live === undefined) continue;
      const current = statusOf((live.actor.getSnapshot() as { value: StateValue }).value);
      if (SETTLED_STATUSES.includes(stored.status) && current === stored.status && this.settleWaiters.has(stored.id)) {
        this.settleWaiters.resolve(stored.id, settledView(stored, live.actor.getSnapshot()));
      }
      // Final, or parked with nothing moved since the write: the store holds all of it now.
      if (
        (FINAL_STATUSES.includes(stored.status) && current === stored.status) ||
        this.passivator.leavesMemory(live, stored)
      ) {
        this.drop(live.id);
        this.committer.forget(live.id);
      }
    }
  }

  private onCommitFailed(writes: readonly ExecutionWrite[], error: StoreError): void {
    // The store is the truth: drop what did not commit and reload from the last durable state.
    for (const { execution: stored } of writes) {
      const live = this.drop(stored.id);
      if (live === undefined) continue;
      this.committer.discard(stored.id, error);
      if (stored.revision <= 1 || this.state !== 'started') {
        // Its start was never durable: there is nothing to reload.
        this.settleWaiters.reject(stored.id, error);
        continue;
      }
      // Who waits for the outcome keeps waiting: the execution goes on after its reload.
      this.reloads.schedule(stored.id);
    }
  }

  private onUnwritable(id: string, error: StoreError): void {
    // Reloading would fail the same way: the execution stays at its last durable
    // state, and operations on it say why until the engine restarts.
    this.refused.set(id, error);
    this.drop(id);
    this.settleWaiters.reject(id, error);
  }

  /** Takes an execution out of memory; its actor stops. */
  private drop(id: string): LiveExecution | undefined {
    const live = this.live.get(id);
    if (live === undefined) return undefined;
    live.unsubscribe();
    live.actor.stop();
    this.live.delete(id);
    return live;
  }

  /** Resumes an execution from its last durable state after a failed commit; false to try again later. */
  private async reload(id: string): Promise<boolean> {
    if (this.state !== 'started' || this.live.has(id)) return true;
    const stored = await this.store.get(id);
    if (stored === undefined || FINAL_STATUSES.includes(stored.status)) return true;
    try {
      // A parked one is the poller's to claim when it is due; one another engine holds is its own.
      if (!stored.parked && (stored.owner ?? undefined) === this.ownership.stats()?.engineId) {
        this.resume(stored);
        this.passivator.wake(id);
      }
    } catch (error) {
      if (!(error instanceof SagaError)) throw error;
      this.refused.set(id, error);
    }
    return true;
  }

  /** Before any effect: its state is durable and this engine's lease is current. Gives the fence it holds. */
  private async beforeEffect(input: StepActorInput): Promise<number> {
    if (!this.live.has(input.executionId)) throw notHeld();
    await this.committer.durable(input.executionId);
    if (this.ownership.shared) await this.ownership.confirmed();
    const live = this.live.get(input.executionId);
    if (live === undefined) throw notHeld();
    return live.fence;
  }

  /** Another engine holds this one now: forget it here; whoever waits here hears from the store. */
  private onLost(id: string): void {
    // Stopping the actor fires the signals of its steps in flight.
    if (this.drop(id) === undefined) return;
    this.committer.discard(id, new LeaseLostError(`Another engine took execution "${id}" over`));
    this.passivator.unapply(id);
  }

  private notRunningHere(id: string, status: ExecutionStatus): SagaError {
    return notHeldError(id, status, this.refused.get(id), this.state === 'started');
  }

  private assertStarted(): void {
    const refusal = notStartedError(this.state);
    if (refusal !== undefined) throw refusal;
  }
}
