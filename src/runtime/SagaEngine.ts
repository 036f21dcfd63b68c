import { randomUUID } from 'node:crypto';
import { createActor, type AnyActorRef, type AnyStateMachine, type SnapshotFrom, type StateValue } from 'xstate';
import { CANCEL_EVENT, RETRY_EVENT, type SagaContext } from '../compile/sagaContext.js';
import { SagaTelemetry, type ExecutionTelemetryInfo } from '../telemetry/SagaTelemetry.js';
import type { StepActorInput } from '../compile/stepActors.js';
import {
  DefinitionMismatchError,
  ExecutionNotFoundError,
  InvalidOperationError,
  SagaError,
  type StoreError,
} from '../definition/errors.js';
import type { AnySagaDefinition, ExecutionId, InputFrom, ResultsFrom } from '../definition/types.js';
import type { JournalEntry } from '../events/JournalEntry.js';
import { notifyListeners } from '../events/notifyListeners.js';
import { committedEvent } from './committedEvent.js';
import type { SagaLifecycleListener } from '../events/SagaLifecycleEvent.js';
import { memoryStore } from '../store/memoryStore.js';
import {
  FINAL_STATUSES,
  SETTLED_STATUSES,
  type ExecutionStatus,
  type ExecutionWrite,
  type FeedEntry,
  type ListQuery,
  type SagaStore,
  type StatusCount,
  type StoredExecution,
} from '../store/SagaStore.js';
import { checkReason } from './boundaryValues.js';
import { checkExternalEvent, explainRefusedEvent, externalEventData, type ExternalEvent } from './externalEvent.js';
import { executionView, statusOf, type ExecutionView } from './ExecutionView.js';
import { GroupCommitter } from './GroupCommitter.js';
import type { LiveExecution } from './LiveExecution.js';
import { ReloadSchedule } from './ReloadSchedule.js';
import { SagaRegistry, type RegisteredSaga } from './SagaRegistry.js';
import { checkExecuteOptions, type ExecuteOptions } from './executeOptions.js';
import { cancelRefusal, notHeldError, notStartedError, retryRefusal } from './operationRefusals.js';
import { buildExecutionWrite } from './buildExecutionWrite.js';
import {
  canonicalJson,
  checkedInput,
  checkSameStart,
  StartClaims,
  storedInputJson,
  type StartRequest,
} from './startRequest.js';
import type { ExecuteResult, RecoveryReport, SagaEngineOptions } from './SagaEngineOptions.js';

export type { ExecuteResult, RecoveryReport, SagaEngineOptions } from './SagaEngineOptions.js';

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
export class SagaEngine {
  private readonly store: SagaStore;
  private readonly registry: SagaRegistry;
  private readonly committer: GroupCommitter;
  private readonly live = new Map<string, LiveExecution>();
  private readonly claims = new StartClaims();
  private startup: Promise<RecoveryReport> | undefined;
  private readonly refused = new Map<string, SagaError>();
  private readonly listeners = new Set<SagaLifecycleListener>();
  private readonly committedStates = new WeakMap<ExecutionWrite, StateValue>();
  private readonly reloads = new ReloadSchedule((id) => this.reload(id));
  private state: 'new' | 'started' | 'stopped' = 'new';
  private readonly inspect: SagaEngineOptions['inspect'];
  private readonly telemetry: SagaTelemetry;

  constructor(options: SagaEngineOptions) {
    this.store = options.store ?? memoryStore();
    this.inspect = options.inspect;
    this.telemetry = new SagaTelemetry((id) => this.telemetryInfo(id));
    this.registry = new SagaRegistry(
      {
        beforeEffect: (input) => this.beforeEffect(input),
        aroundEffect: (input, call) => this.telemetry.around(input, call),
      },
      options.testOnly,
    );
    for (const saga of options.sagas) this.registry.register(saga);
    this.committer = new GroupCommitter(
      this.store,
      (writes) => this.onCommitted(writes),
      (writes, error) => this.onCommitFailed(writes, error),
      (id, error) => this.onUnwritable(id, error),
    );
  }

  /** The newest version of every registered saga. */
  sagas(): AnySagaDefinition[] {
    return this.registry.all().map((r) => r.definition);
  }

  /** A registered saga's definition (newest version unless given). */
  definition(saga: string, version?: number): AnySagaDefinition {
    return (version === undefined ? this.registry.latest(saga) : this.registry.version(saga, version)).definition;
  }

  /** The compiled machine of a registered saga (newest version unless given). */
  machine(saga: string, version?: number): AnyStateMachine {
    return (version === undefined ? this.registry.latest(saga) : this.registry.version(saga, version)).machine;
  }

  /** Opens the store and resumes every unfinished execution from its last durable state. */
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
    await this.store.init();
    this.state = 'started';
    this.refused.clear();
    let resumed = 0;
    for (const stored of await this.store.listUnfinished()) {
      try {
        this.resume(stored);
        resumed += 1;
      } catch (error) {
        if (!(error instanceof SagaError)) throw error;
        this.refused.set(stored.id, error);
      }
    }
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
    const request: StartRequest = {
      saga: registered.definition.name,
      inputJson: canonicalJson(raw) ?? 'null',
      executionId: options.executionId ?? randomUUID(),
      idempotencyKey: options.idempotencyKey,
    };
    return this.claims.claim(request, () => this.startNew(registered, request, raw, options));
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
      return new Promise((resolve, reject) => live.waiters.push({ resolve, reject }));
    }
    const view = await this.get<Record<string, unknown>>(id);
    if (SETTLED_STATUSES.includes(view.status)) return view;
    throw this.notRunningHere(id, view.status);
  }

  /** The execution as last made durable. */
  get<TResults = Record<string, unknown>>(id: ExecutionId<TResults>): Promise<ExecutionView<TResults>>;
  async get(id: string): Promise<ExecutionView> {
    const stored = await this.store.get(id);
    if (stored === undefined) throw new ExecutionNotFoundError(id);
    return executionView(stored);
  }

  /** Executions newest first, filtered; pass `nextCursor` back as `cursor` for the next page. */
  async list(query: ListQuery = {}): Promise<{ items: ExecutionView[]; nextCursor: string | null }> {
    const page = await this.store.list(query);
    return { items: page.items.map((s) => executionView(s)), nextCursor: page.nextCursor };
  }

  /** The execution's journal, oldest first; `afterSeq` skips what a reader already has. */
  async journal(id: string, afterSeq = 0): Promise<JournalEntry[]> {
    if ((await this.store.get(id)) === undefined) throw new ExecutionNotFoundError(id);
    return this.store.journal(id, afterSeq);
  }

  /** Delivers an event to an execution waiting for it (an `awaitEvent` step). */
  async send(id: string, event: ExternalEvent): Promise<void> {
    checkExternalEvent(event);
    const data = externalEventData(id, event);
    const live = await this.requireLive(id);
    const snapshot = live.actor.getSnapshot() as SnapshotFrom<AnyStateMachine>;
    const message = { type: event.type, data };
    if (!snapshot.can(message)) throw explainRefusedEvent(id, live.registered.plan, snapshot, event);
    live.actor.send(message);
    await this.committer.durable(id);
  }

  /** Cancels a Running execution before its pivot: it compensates what completed. */
  async cancel(id: string, reason: string = 'cancelled'): Promise<void> {
    checkReason(id, reason);
    const live = await this.requireLive(id);
    const refusal = cancelRefusal(
      id,
      live.registered.plan,
      live.actor.getSnapshot() as SnapshotFrom<AnyStateMachine>,
      reason,
    );
    if (refusal !== undefined) throw refusal;
    live.actor.send({ type: CANCEL_EVENT, reason });
    await this.committer.durable(id);
  }

  /** Resumes a Failed execution from exactly where it stopped. */
  async retry(id: string): Promise<void> {
    const live = await this.requireLive(id);
    const refusal = retryRefusal(id, live.actor.getSnapshot() as SnapshotFrom<AnyStateMachine>);
    if (refusal !== undefined) throw refusal;
    live.actor.send({ type: RETRY_EVENT });
    await this.committer.durable(id);
  }

  /** Journal entries of all executions in commit order, after a feed position (for resuming live views). */
  feed(afterPosition: number, limit = 500): Promise<FeedEntry[]> {
    return this.store.feed(afterPosition, limit);
  }

  /** The newest feed position. */
  feedEnd(): Promise<number> {
    return this.store.feedEnd();
  }

  /** How many executions each saga has in each status (from the store). */
  counts(): Promise<StatusCount[]> {
    return this.store.countByStatus();
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
    this.reloads.clear();
    const live = [...this.live.values()];
    for (const execution of live) execution.unsubscribe();
    await this.committer.idle();
    for (const execution of live) {
      execution.actor.stop();
      const stopped = new InvalidOperationError(`The engine stopped before execution "${execution.id}" settled`, {
        executionId: execution.id,
      });
      for (const waiter of execution.waiters) waiter.reject(stopped);
    }
    this.live.clear();
    this.telemetry.endAll();
    await this.store.close();
  }

  private async startNew(
    registered: RegisteredSaga,
    request: StartRequest,
    input: unknown,
    options: ExecuteOptions,
  ): Promise<ExecuteResult> {
    const id = request.executionId;
    const existing = await this.findExisting(id, options.idempotencyKey);
    if (existing !== undefined) {
      checkSameStart(request, { id: existing.id, saga: existing.saga, inputJson: storedInputJson(existing) });
      return { id: existing.id, existing: true };
    }
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
      lastJson: undefined,
    });
    // An acknowledged start must survive a crash: resolve only after the first commit.
    await this.committer.durable(id);
    return { id, existing: false };
  }

  private async findExisting(id: string, key: string | undefined): Promise<StoredExecution | undefined> {
    const live = this.live.get(id);
    if (live !== undefined) return this.store.get(id);
    return (await this.store.get(id)) ?? (key === undefined ? undefined : await this.store.getByIdempotencyKey(key));
  }

  private resume(stored: StoredExecution): void {
    const registered = this.registry.version(stored.saga, stored.version);
    if (registered.definition.hash !== stored.definitionHash) {
      throw new DefinitionMismatchError(
        stored.saga,
        stored.version,
        stored.definitionHash,
        registered.definition.hash,
        stored.id,
      );
    }
    const actor = createActor(registered.machine, {
      snapshot: JSON.parse(stored.snapshot) as never,
      ...(this.inspect === undefined ? {} : { inspect: this.inspect }),
    });
    this.attach(actor, registered, {
      id: stored.id,
      createdAt: stored.createdAt,
      idempotencyKey: stored.idempotencyKey,
      revision: stored.revision,
      lastSeq: stored.lastSeq,
      lastJson: stored.snapshot,
    });
  }

  private attach(
    actor: AnyActorRef,
    registered: RegisteredSaga,
    fields: Pick<LiveExecution, 'id' | 'createdAt' | 'idempotencyKey' | 'revision' | 'lastSeq' | 'lastJson'>,
  ): void {
    const execution: LiveExecution = {
      ...fields,
      registered,
      actor,
      pendingJournal: [],
      lastSnapshot: undefined,
      waiters: [],
      unsubscribe: () => undefined,
    };
    this.live.set(execution.id, execution);
    const journal = actor.on('journal', (emitted: { entry: LiveExecution['pendingJournal'][number] }) => {
      execution.pendingJournal.push(emitted.entry);
      this.telemetry.onJournal(execution.id, registered.definition.name, emitted.entry);
    });
    // Subscribe before start(): the first snapshot is emitted inside it.
    const subscription = actor.subscribe((snapshot) => this.onSnapshot(execution, snapshot));
    execution.unsubscribe = () => {
      journal.unsubscribe();
      subscription.unsubscribe();
    };
    actor.start();
  }

  private onSnapshot(execution: LiveExecution, snapshot: unknown): void {
    if (snapshot === execution.lastSnapshot && execution.pendingJournal.length === 0) return;
    execution.lastSnapshot = snapshot;
    execution.revision += 1;
    this.committer.enqueue(execution.id, execution.revision, () => this.buildWrite(execution));
  }

  /** Serialises an execution once per flush, however often it moved in the tick. */
  private buildWrite(execution: LiveExecution): ExecutionWrite | undefined {
    const built = buildExecutionWrite(execution);
    if (built !== undefined) this.committedStates.set(built.write, built.state);
    return built?.write;
  }

  private onCommitted(writes: readonly ExecutionWrite[]): void {
    for (const write of writes) {
      const { execution: stored } = write;
      if (this.listeners.size > 0) {
        notifyListeners(this.listeners, committedEvent(write, this.committedStates.get(write) ?? stored.status));
      }
      const live = this.live.get(stored.id);
      if (live === undefined || !SETTLED_STATUSES.includes(stored.status)) continue;
      if (statusOf((live.actor.getSnapshot() as { value: StateValue }).value) !== stored.status) continue;
      const waiters = live.waiters;
      live.waiters = [];
      if (waiters.length > 0) {
        const view = executionView(stored);
        for (const waiter of waiters) waiter.resolve(view);
      }
      if (FINAL_STATUSES.includes(stored.status)) {
        this.drop(stored.id);
        this.committer.forget(stored.id);
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
        for (const waiter of live.waiters) waiter.reject(error);
        continue;
      }
      this.reloads.schedule(stored.id);
      // Who waits for the outcome keeps waiting: the execution goes on after its reload.
      for (const waiter of live.waiters) this.waitFor(stored.id).then(waiter.resolve, waiter.reject);
    }
  }

  private onUnwritable(id: string, error: StoreError): void {
    // Reloading would fail the same way: the execution stays at its last durable
    // state, and operations on it say why until the engine restarts.
    this.refused.set(id, error);
    const live = this.drop(id);
    for (const waiter of live?.waiters ?? []) waiter.reject(error);
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
      this.resume(stored);
    } catch (error) {
      if (!(error instanceof SagaError)) throw error;
      this.refused.set(id, error);
    }
    return true;
  }

  private telemetryInfo(id: string): ExecutionTelemetryInfo | undefined {
    const live = this.live.get(id);
    if (live === undefined) return undefined;
    const snapshot = live.actor.getSnapshot() as { value: StateValue; context: SagaContext };
    const { name, version } = live.registered.definition;
    return { saga: name, version, status: statusOf(snapshot.value), trace: snapshot.context.trace ?? null };
  }

  private beforeEffect(input: StepActorInput): Promise<void> {
    if (!this.live.has(input.executionId)) {
      return Promise.reject(new InvalidOperationError('The execution is no longer held by this engine'));
    }
    return this.committer.durable(input.executionId);
  }

  private async requireLive(id: string): Promise<LiveExecution> {
    this.assertStarted();
    const live = this.live.get(id);
    if (live !== undefined) return live;
    const stored = await this.store.get(id);
    if (stored === undefined) throw new ExecutionNotFoundError(id);
    throw this.notRunningHere(id, stored.status);
  }

  private notRunningHere(id: string, status: ExecutionStatus): SagaError {
    return notHeldError(id, status, this.refused.get(id), this.state === 'started');
  }

  private assertStarted(): void {
    const refusal = notStartedError(this.state);
    if (refusal !== undefined) throw refusal;
  }
}
