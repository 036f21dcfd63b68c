import fc from 'fast-check';
import { planSaga } from '../compile/sagaPlan.js';
import type { TestOnlyCompileOptions } from '../compile/compile.js';
import type { AnySagaDefinition } from '../definition/types.js';
import type { ExecutionView } from '../runtime/ExecutionView.js';
import type { SagaStore } from '../store/SagaStore.js';
import { checkInvariants } from './checkInvariants.js';
import type { EffectCall } from './instrumentSaga.js';
import { pathDataArbitrary, type PathData } from './pathData.js';
import { runPathOnce, threwViolation, type PathRunResult } from './runPathOnce.js';
import type { SagaPath } from './SagaPath.js';
import type { RemoteStandIns } from './remoteStandIns.js';
import { SagaPathViolation } from './SagaPathViolation.js';
import { sampleOne } from './schemaArbitrary.js';

export interface RunSagaPathOptions {
  /** The saga's input; generated from the saga's input schema when not given. */
  readonly input?: unknown;
  /**
   * The `data` sent for each awaited event, keyed by the awaitEvent's step name
   * (`{ underwriterDecision: { approved: true } }`); an event not given here is
   * generated from its schema.
   */
  readonly eventData?: Readonly<Record<string, unknown>>;
  /**
   * Run the path this many times with generated input and event data (what
   * you pass stays fixed); on a violation, the data is shrunk to a minimal
   * case and shown. 1 by default.
   */
  readonly runs?: number;
  /** Seed of the data generator, to replay a run. Fixed by default, so runs repeat. */
  readonly seed?: number;
  /** Time budget of one run of the path, in ms (default 10,000); past it the path is `stuck`. */
  readonly budgetMs?: number;
  /** Timeouts the path does not mean to fire are capped at this (default 1,000 ms). */
  readonly maxWaitMs?: number;
  /**
   * Opens the store; called again for every restore, so it must open the same
   * place (e.g. `() => sqliteStore(file)`). A memory store by default.
   */
  readonly store?: () => SagaStore;
  /**
   * Crash and restore: stop the engine after every completed step, and once in
   * flight in every step and compensation (after its effect, before it
   * returns), and resume each time in a new engine from the store.
   */
  readonly crashAndRestore?: boolean;
  /**
   * Stand-ins for the participants of remote steps, by subject (`{ 'inventory.reserve':
   * (payload) => ({ reservationId: 'r-1' }) }`): each gets the command's payload and
   * returns the reply's output, what later steps read in `results`. A remote step
   * without one is answered `{}`. The path decides each one's fate like any step's.
   */
  readonly participants?: RemoteStandIns;
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
  /** How many times the path ran (generated data). */
  readonly runs: number;
  readonly calls: readonly EffectCall[];
}

const DEFAULT_SEED = 20_241_122;
const DEFAULT_BUDGET_MS = 10_000;
const DEFAULT_MAX_WAIT_MS = 1_000;
// A deadline path first tries a deadline this short, then longer ones if the steps before it took longer.
const FIRST_DEADLINE_MS = 100;
const DEADLINE_TRIES = 4;
// Shrinking a failing input re-runs the path; it stops after this many re-runs.
const MAX_SHRINK_RUNS = 60;

/** The deadline passed somewhere other than where the path puts it (the steps before took longer than it). */
function deadlineMissed(path: SagaPath, result: PathRunResult): boolean {
  const { journal } = result;
  const passed = journal.find(
    (e) => e.type === 'CancelRequested' && (e.data as { deadlineAt?: unknown })?.deadlineAt !== undefined,
  );
  const inFlight = Object.entries(path.steps).find(([, fate]) => fate === 'deadline')?.[0];
  if (inFlight !== undefined) {
    const started = journal.find((e) => e.type === 'StepStarted' && e.step === inFlight);
    return started === undefined || (passed !== undefined && passed.seq < started.seq);
  }
  return passed !== undefined;
}

/**
 * Runs one path through the real engine with the saga's own step functions
 * wrapped by a fault injector, then checks the invariants: the predicted final
 * status; compensations in exact reverse order of the completed compensable
 * steps, none for a step that did not complete, none at or after the pivot,
 * each once per key; the documented idempotency keys; a journal that tells the
 * same story; a re-run step (after a crash) applying its effect once. The
 * operator's part (sending events, cancelling, retrying a Failed execution)
 * is played as the path says. Input and event data not given are generated
 * from the schemas. Throws a SagaPathViolation naming the path, the invariant
 * and the first divergence; the saga's own code throwing, a refused event and
 * a path past its time budget are violations too.
 *
 * @example
 * for (const path of sagaPaths(orderFulfillment)) await runSagaPath(orderFulfillment, path, { runs: 20 });
 */
export async function runSagaPath(
  definition: AnySagaDefinition,
  path: SagaPath,
  options: RunSagaPathOptions = {},
): Promise<SagaPathReport> {
  const started = performance.now();
  const plan = planSaga(definition);
  const { arbitrary, generated } = pathDataArbitrary(definition, options);
  const seed = options.seed ?? DEFAULT_SEED;
  const runs = Math.max(1, Math.floor(options.runs ?? 1));
  const settings = {
    store: options.store,
    crashAndRestore: options.crashAndRestore === true,
    testOnly: options.testOnly,
    budgetMs: options.budgetMs ?? DEFAULT_BUDGET_MS,
    maxWaitMs: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
    participants: options.participants,
  };

  /** One run with one piece of data: the invariants checked, a violation told with the data. */
  const runWith = async (data: PathData): Promise<PathRunResult> => {
    try {
      let result: PathRunResult | undefined;
      for (let i = 0, deadlineMs = FIRST_DEADLINE_MS; result === undefined; i += 1, deadlineMs *= 4) {
        const once = await runPathOnce(definition, path, data, {
          ...settings,
          deadlineMs: path.deadline ? deadlineMs : undefined,
        });
        if (!path.deadline || !deadlineMissed(path, once) || i + 1 >= DEADLINE_TRIES) result = once;
      }
      try {
        checkInvariants({ path, plan, result, liveEffects: options.liveEffects });
      } catch (error) {
        // When the saga's own code threw on the way, that is the story to tell.
        const threw = result.userErrors[0];
        if (!(error instanceof SagaPathViolation) || threw === undefined) throw error;
        throw threwViolation(path, result.view.id, threw, `${error.invariant}: ${error.divergence}`);
      }
      return result;
    } catch (error) {
      if (error instanceof SagaPathViolation && generated.length > 0) throw error.withData({ ...data, generated });
      throw error;
    }
  };

  if (runs === 1) {
    const result = await runWith(sampleOne(arbitrary, seed));
    return report(path, result, 1, started);
  }
  let last: PathRunResult | undefined;
  let failures = 0;
  const details = await fc.check(
    fc.asyncProperty(arbitrary, async (data) => {
      // Shrinking re-runs the path for each smaller candidate: bounded, the smallest failure so far is kept.
      if (failures > MAX_SHRINK_RUNS) return true;
      try {
        last = await runWith(data);
        return true;
      } catch (error) {
        failures += 1;
        // A stuck path costs its whole budget per re-run: do not shrink it.
        if (error instanceof SagaPathViolation && error.kind === 'stuck') failures = MAX_SHRINK_RUNS + 1;
        throw error;
      }
    }),
    { numRuns: runs, seed },
  );
  if (details.failed) {
    const error = details.errorInstance;
    const smallest = details.counterexample?.[0];
    if (error instanceof SagaPathViolation && smallest !== undefined) {
      throw error.withData({ ...smallest, generated });
    }
    throw error instanceof Error ? error : new Error(`Path "${path.name}" failed: ${String(error)}`);
  }
  if (last === undefined) throw new Error(`Path "${path.name}" never ran`);
  return report(path, last, runs, started);
}

function report(path: SagaPath, result: PathRunResult, runs: number, started: number): SagaPathReport {
  return {
    path: path.name,
    status: result.view.status,
    restores: result.restores,
    durationMs: performance.now() - started,
    runs,
    calls: result.calls,
  };
}
