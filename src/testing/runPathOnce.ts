import type { StateValue } from 'xstate';
import { planSaga } from '../compile/sagaPlan.js';
import type { TestOnlyCompileOptions } from '../compile/compile.js';
import type { AnySagaDefinition } from '../definition/types.js';
import type { JournalEntry } from '../events/JournalEntry.js';
import type { ExecutionView } from '../runtime/ExecutionView.js';
import { SagaEngine } from '../runtime/SagaEngine.js';
import { memoryStore } from '../store/memoryStore.js';
import type { SagaStore } from '../store/SagaStore.js';
import type { RemoteStandIns } from './remoteStandIns.js';
import { instrumentSaga, type EffectCall } from './instrumentSaga.js';
import type { PathData } from './pathData.js';
import type { PathRun, UserError } from './PathRun.js';
import type { SagaPath } from './SagaPath.js';
import { SagaPathViolation } from './SagaPathViolation.js';

const JOURNAL_TAIL = 8;
const IN_FLIGHT_REASON = 'cancelled while the step is in flight (path)';

export interface PathRunSettings {
  readonly store: (() => SagaStore) | undefined;
  readonly crashAndRestore: boolean;
  readonly testOnly: TestOnlyCompileOptions | undefined;
  readonly budgetMs: number;
  readonly maxWaitMs: number;
  /** The execution's deadline on a deadline path. */
  readonly deadlineMs: number | undefined;
  readonly participants: RemoteStandIns | undefined;
}

/** How one run of a path ended (when no violation stopped it first). */
export interface PathRunResult {
  readonly view: ExecutionView;
  readonly journal: readonly JournalEntry[];
  readonly calls: readonly EffectCall[];
  readonly userErrors: readonly UserError[];
  readonly restores: number;
  /** What came of the operator's cancels during a retry backoff: undefined when accepted. */
  readonly cancels: ReadonlyMap<string, unknown>;
}

/** `Running.chargePayment.run` for `{ Running: { chargePayment: 'run' } }`; parallel regions joined with `|`. */
export function stateText(value: StateValue): string {
  if (typeof value === 'string') return value;
  return Object.entries(value)
    .map(([key, child]) => (child === undefined ? key : `${key}.${stateText(child)}`))
    .join(' | ');
}

const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** The violation for a bug in the saga's own code. @internal */
export function threwViolation(
  path: SagaPath,
  executionId: string,
  error: UserError,
  consequence?: string,
): SagaPathViolation {
  const what = error.phase === 'run' ? `step "${error.step}"` : `the compensation of "${error.step}"`;
  return new SagaPathViolation(
    path.name,
    "the saga's own code runs without throwing",
    `${what} threw ${errorText(error.error)} (${error.phase}, attempt ${error.attempt})${consequence === undefined ? '' : `; then ${consequence}`}`,
    executionId,
    { kind: 'threw', step: error.step, phase: error.phase, error: error.error },
  );
}

/**
 * Runs one path once through a real engine with the given data: plays the
 * operator's part (sends, cancels, retries), crashes and restores when asked,
 * and stops with a SagaPathViolation the moment the saga's code has a bug, the
 * engine refuses what the path sends, or the time budget runs out.
 *
 * @internal
 */
export async function runPathOnce(
  definition: AnySagaDefinition,
  path: SagaPath,
  data: PathData,
  settings: PathRunSettings,
): Promise<PathRunResult> {
  let id = '';
  let fail: (violation: SagaPathViolation) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  // A crash asked for before the loop listens (a step starting inside execute) waits for it.
  let crashPending = false;
  const inFlightBeforeId: string[] = [];
  let crash: () => void = () => undefined;
  const run: PathRun = {
    path,
    calls: [],
    userErrors: [],
    retries: 0,
    generation: 0,
    deadlineAt: null,
    crashInFlight: settings.crashAndRestore,
    crashed: new Set(),
    requestCrash: () => {
      crashPending = true;
      crash();
    },
    bug: (error) => fail(threwViolation(path, id, error)),
    cancelInFlight: (step) => {
      // The first step starts inside execute(), before its id is known here: cancel once it is.
      if (id === '') inFlightBeforeId.push(step);
      else cancelNow(engine, step, IN_FLIGHT_REASON);
    },
  };
  const saga = instrumentSaga(definition, run, settings.maxWaitMs, settings.participants);
  const plan = planSaga(saga);
  const shared = settings.store === undefined ? memoryStore() : undefined;
  const open = () => shared ?? (settings.store as () => SagaStore)();
  const newEngine = () =>
    new SagaEngine({
      store: open(),
      sagas: [saga],
      ...(settings.testOnly === undefined ? {} : { testOnly: settings.testOnly }),
    });

  let engine = newEngine();
  let restores = 0;
  const acted = new Set<string>();
  const cancels = new Map<string, unknown>();

  const retired = new WeakSet<SagaEngine>();
  /** Whether an operation failed only because its engine was stopped for a restore. */
  const superseded = (current: SagaEngine) => retired.has(current);

  /** The operator's cancel at `step`; what came of it is kept for the invariants. */
  const cancelNow = (current: SagaEngine, step: string, reason: string) => {
    if (cancels.has(step)) return;
    cancels.set(step, 'pending');
    current.cancel(id, reason).then(
      () => cancels.set(step, undefined),
      (error: unknown) => (superseded(current) ? cancels.delete(step) : cancels.set(step, error)),
    );
  };
  const cancelInBackoff = (current: SagaEngine, step: string) => {
    if (path.steps[step] === 'cancelInBackoff')
      cancelNow(current, step, `cancelled during the retry backoff of ${step} (path)`);
  };

  // Plays the path's part where the execution waits: send the event, cancel there, or let it time out.
  const act = async (current: SagaEngine) => {
    const view = await current.get(id);
    if (view.status !== 'Running') return;
    const running = (view.state as { Running?: StateValue }).Running;
    if (typeof running === 'object' && running !== null) {
      for (const [step, sub] of Object.entries(running)) if (sub === 'backoff') cancelInBackoff(current, step);
    }
    const wait = typeof running === 'string' ? plan.waits.get(running) : undefined;
    if (wait === undefined || acted.has(wait.name)) return;
    acted.add(wait.name);
    const fate = path.waits[wait.name];
    const event = wait.definition.options.event;
    try {
      if (fate === 'arrive') await current.send(id, { type: event, data: data.eventData[wait.name] ?? {} });
      if (fate === 'cancel') await current.cancel(id, 'cancelled by the path');
    } catch (error) {
      if (superseded(current)) {
        acted.delete(wait.name);
        return;
      }
      fail(
        new SagaPathViolation(
          path.name,
          'every event the path sends is accepted',
          fate === 'arrive'
            ? `"${event}" for "${wait.name}" was refused: ${errorText(error)}. eventData is keyed by step name: { ${wait.name}: <the event's data> }`
            : `cancel at "${wait.name}" was refused: ${errorText(error)}`,
          id,
          { kind: 'refused', step: wait.name, phase: 'wait', error, state: stateText(view.state) },
        ),
      );
    }
  };

  const budget = setTimeout(() => {
    const current = engine;
    retired.add(current);
    void Promise.all([current.get(id), current.journal(id)])
      .then(([view, journal]) => ({ state: stateText(view.state), journal: journal.slice(-JOURNAL_TAIL) }))
      .catch(() => ({ state: '(unknown: the engine was restarting)', journal: [] as JournalEntry[] }))
      .then(({ state, journal }) => {
        const threw = run.userErrors.at(-1);
        fail(
          new SagaPathViolation(
            path.name,
            'every path ends within its time budget',
            `no outcome after ${settings.budgetMs} ms; the execution sits in ${state}${threw === undefined ? '' : `; the saga's code last threw ${errorText(threw.error)} in ${threw.phase} of "${threw.step}"`}`,
            id,
            { kind: 'stuck', state, journal },
          ),
        );
      });
  }, settings.budgetMs);

  try {
    await engine.start();
    run.deadlineAt = settings.deadlineMs === undefined ? null : Date.now() + settings.deadlineMs;
    id = (
      await Promise.race([
        engine.execute(saga, data.input, settings.deadlineMs === undefined ? {} : { deadlineMs: settings.deadlineMs }),
        failed,
      ])
    ).id;
    for (const step of inFlightBeforeId) cancelNow(engine, step, IN_FLIGHT_REASON);
    for (;;) {
      const current = engine;
      let restoreRequested: () => void = () => undefined;
      const restore = new Promise<'restore'>((resolve) => (restoreRequested = () => resolve('restore')));
      if (settings.crashAndRestore) crash = restoreRequested;
      if (crashPending) restoreRequested();
      const off = current.subscribe((event) => {
        if (event.executionId !== id) return;
        for (const entry of event.entries) {
          if (settings.crashAndRestore && (entry.type === 'StepCompleted' || entry.type === 'EventReceived')) {
            restoreRequested();
          }
          if (entry.type === 'StepStarted' && plan.waits.has(entry.step ?? '')) {
            setImmediate(() => void act(current).catch(() => undefined));
          }
          const compensation = (entry.data as { compensation?: boolean } | undefined)?.compensation === true;
          if (entry.type === 'StepRetryScheduled' && !compensation) cancelInBackoff(current, entry.step ?? '');
        }
      });
      await Promise.race([act(current), failed]);
      const outcome = await Promise.race([current.waitFor(id).catch(() => 'restore' as const), restore, failed]);
      off();
      if (outcome !== 'restore') {
        if (outcome.status !== 'Failed' || run.retries >= path.retries) break;
        // The operator's part: retry the Failed execution from where it stopped.
        run.retries += 1;
        await Promise.race([current.retry(id), failed]);
        continue;
      }
      // Crash and restore: drop the engine (in-flight work is lost) and resume from the store.
      retired.add(current);
      crashPending = false;
      run.generation += 1;
      restores += 1;
      await current.stop();
      engine = newEngine();
      await engine.start();
    }
    const view = await engine.get(id);
    const journal = await engine.journal(id);
    return { view, journal, calls: run.calls, userErrors: run.userErrors, restores, cancels };
  } finally {
    clearTimeout(budget);
    await engine.stop();
  }
}
