import { planSaga } from '../compile/sagaPlan.js';
import type { TestOnlyCompileOptions } from '../compile/compile.js';
import type { AnySagaDefinition } from '../definition/types.js';
import { SagaEngine } from '../runtime/SagaEngine.js';
import type { ExecutionView } from '../runtime/ExecutionView.js';
import { memoryStore } from '../store/memoryStore.js';
import { SETTLED_STATUSES, type SagaStore } from '../store/SagaStore.js';
import { checkInvariants } from './checkInvariants.js';
import { instrumentSaga, type EffectCall } from './instrumentSaga.js';
import type { SagaPath } from './SagaPath.js';

export interface RunSagaPathOptions {
  /** The saga's input; `{}` when not given. */
  readonly input?: unknown;
  /** The `data` sent for each awaited event that arrives on the path, by step name. */
  readonly eventData?: Readonly<Record<string, unknown>>;
  /**
   * Opens the store; called again for every restore, so it must open the same
   * place (e.g. `() => sqliteStore(file)`). A memory store by default.
   */
  readonly store?: () => SagaStore;
  /** Stop the engine after every completed step and resume in a new one from the store. */
  readonly crashAndRestore?: boolean;
  /** The steps whose effects the participants still hold for an execution, to check undo and completion. */
  readonly liveEffects?: (executionId: string) => readonly string[];
  /** @internal Deliberately broken engine behaviour, for sagachart's own mutation tests. */
  readonly testOnly?: TestOnlyCompileOptions;
}

export interface SagaPathReport {
  readonly path: string;
  readonly status: ExecutionView['status'];
  readonly restores: number;
  readonly durationMs: number;
  readonly calls: readonly EffectCall[];
}

/**
 * Runs one path through the real engine with the saga's own step functions
 * wrapped by a fault injector, then checks the invariants: the predicted final
 * status; compensations in exact reverse order of the completed compensable
 * steps, none for a step that did not complete, none at or after the pivot;
 * the documented idempotency keys; a journal that tells the same story; a
 * re-run step (after a restore) applying its effect once. Throws a
 * SagaPathViolation naming the path, the invariant and the first divergence.
 *
 * @example
 * for (const path of sagaPaths(orderFulfillment)) await runSagaPath(orderFulfillment, path, { input });
 */
export async function runSagaPath(
  definition: AnySagaDefinition,
  path: SagaPath,
  options: RunSagaPathOptions = {},
): Promise<SagaPathReport> {
  const started = performance.now();
  const calls: EffectCall[] = [];
  const saga = instrumentSaga(definition, path, calls);
  const plan = planSaga(saga);
  const shared = options.store === undefined ? memoryStore() : undefined;
  const open = () => shared ?? (options.store as () => SagaStore)();
  const newEngine = () =>
    new SagaEngine({
      store: open(),
      sagas: [saga],
      ...(options.testOnly === undefined ? {} : { testOnly: options.testOnly }),
    });

  let engine = newEngine();
  await engine.start();
  const { id } = await engine.execute(saga, options.input ?? {});
  let restores = 0;
  const acted = new Set<string>();

  // Plays the path's part at each awaited event: send it, cancel there, or let it time out.
  const actIfWaiting = async (current: SagaEngine, view: ExecutionView) => {
    if (view.status !== 'Running') return;
    const state = view.state as { Running?: unknown };
    const wait = typeof state.Running === 'string' ? plan.waits.get(state.Running) : undefined;
    if (wait === undefined || acted.has(wait.name)) return;
    acted.add(wait.name);
    const fate = path.waits[wait.name];
    if (fate === 'arrive')
      await current.send(id, { type: wait.definition.options.event, data: options.eventData?.[wait.name] ?? {} });
    if (fate === 'cancel') await current.cancel(id, 'cancelled by the path');
  };

  try {
    for (;;) {
      const current = engine;
      let restoreRequested: () => void = () => undefined;
      const restore = new Promise<'restore'>((resolve) => (restoreRequested = () => resolve('restore')));
      const off = current.subscribe((event) => {
        if (event.executionId !== id) return;
        if (
          options.crashAndRestore === true &&
          event.entries.some((e) => e.type === 'StepCompleted' || e.type === 'EventReceived')
        ) {
          restoreRequested();
        }
        if (event.entries.some((e) => e.type === 'StepStarted' && plan.waits.has(e.step ?? ''))) {
          setImmediate(
            () =>
              void current
                .get(id)
                .then((v) => actIfWaiting(current, v))
                .catch(() => undefined),
          );
        }
      });
      await actIfWaiting(current, await current.get(id));
      const outcome = await Promise.race([current.waitFor(id).catch(() => 'restore' as const), restore]);
      off();
      if (outcome !== 'restore' && SETTLED_STATUSES.includes(outcome.status)) break;
      // Crash and restore: drop the engine (in-flight work is lost) and resume from the store.
      await current.stop();
      restores += 1;
      engine = newEngine();
      await engine.start();
    }
    const view = await engine.get(id);
    checkInvariants({ path, plan, view, journal: await engine.journal(id), calls, liveEffects: options.liveEffects });
    return { path: path.name, status: view.status, restores, durationMs: performance.now() - started, calls };
  } finally {
    await engine.stop();
  }
}
