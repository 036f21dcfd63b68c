import { planSaga, type PlannedStep } from '../compile/sagaPlan.js';
import { defineSaga } from '../definition/defineSaga.js';
import { PermanentError } from '../definition/errors.js';
import type { AnySagaDefinition, SagaStep, StepDefinition } from '../definition/types.js';
import type { PathRun, UserError } from './PathRun.js';
import { withStandIn, type RemoteStandIns } from './remoteStandIns.js';

/** One call the fault injector saw. */
export interface EffectCall {
  readonly kind: 'run' | 'compensate';
  readonly step: string;
  readonly key: string;
  readonly attempt: number;
  readonly executionId: string;
  /** The engine that made the call: 0, then one more after every restore. */
  readonly generation: number;
  /** When the call started (epoch ms). */
  readonly at: number;
  /** The call returned to the engine that made it, without throwing. */
  ok?: boolean;
  /** The saga's own code returned (its effect is applied), whoever was still listening. */
  returned?: boolean;
  /** What the saga's own run returned (for the re-run check). */
  output?: unknown;
  /** The call applied its effect, then the engine was killed before it returned. */
  crashed?: boolean;
  /** What a compensation was told of its step: `completed`, or `unknown` (timed out or cancelled in flight). */
  outcome?: 'completed' | 'unknown';
}

// Retry waits: attempt counts are kept, waits are milliseconds.
const FAST = { initialDelayMs: 1, maxDelayMs: 5, backoffFactor: 2 };
// A timeout the path means to fire.
const SHORT_TIMEOUT_MS = 30;
// A backoff an operator cancels in: the cancel ends it, so its length costs nothing.
const LONG_BACKOFF_MS = 60_000;
// A backoff past the pivot, where the cancel is refused and the retry must come.
const SHORT_BACKOFF_MS = 20;
// How long after the deadline a step that starts "after the deadline" waits, so the deadline's timer fired first.
const AFTER_DEADLINE_MS = 20;

const untilAborted = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => {
    if (signal.aborted) reject(new Error('aborted'));
    signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
  });

const sleepUntil = (at: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, Math.max(0, at - Date.now()));
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(new Error('aborted'))), { once: true });
  });

/** Errors that retrying cannot fix: the saga's code has a bug. */
export function isProgrammingError(error: unknown): boolean {
  return error instanceof Error && ['TypeError', 'ReferenceError', 'SyntaxError', 'RangeError'].includes(error.name);
}

/**
 * The saga with every step and compensation wrapped by a fault injector that
 * makes it do what the path says (and otherwise calls the saga's own code),
 * with every wait shortened and every attempt count kept: step and
 * compensation retries wait milliseconds, timeouts the path does not mean to
 * fire are capped at `maxWaitMs`. With `run.crashInFlight`, the first call of
 * each step and compensation outside a parallel group applies its effect and
 * then has its engine killed before it returns. Remote steps are answered
 * by `standIns` (or `{}`) in this process. The shape, and so the definition
 * hash, stays the same.
 *
 * @internal
 */
export function instrumentSaga(
  definition: AnySagaDefinition,
  run: PathRun,
  maxWaitMs: number,
  standIns: RemoteStandIns = {},
): AnySagaDefinition {
  const { path } = run;
  const plan = planSaga(definition);

  const wrap = (step: StepDefinition): StepDefinition => {
    const { options, name } = step;
    const planned = plan.steps.get(name) as PlannedStep;
    const fate = path.steps[name] ?? 'ok';
    const compensationFate = path.compensations[name] ?? 'ok';
    const inGroup = planned.group !== undefined;
    // A remote step's participant is stood in for here: the path decides its fate like any step's.
    const userRun = withStandIn(options.run, standIns);
    const compensate =
      typeof options.compensate === 'function' ? withStandIn(options.compensate, standIns) : options.compensate;

    const timeoutMs =
      options.timeoutMs === undefined
        ? undefined
        : fate === 'timeout'
          ? SHORT_TIMEOUT_MS
          : fate === 'deadline'
            ? Math.max(options.timeoutMs, LONG_BACKOFF_MS)
            : Math.min(options.timeoutMs, maxWaitMs);
    const backoffMs = fate !== 'cancelInBackoff' ? undefined : planned.afterPivot ? SHORT_BACKOFF_MS : LONG_BACKOFF_MS;

    // Past the pivot a failure is an ordinary error, so the whole (shortened) retry policy runs.
    const failure = (message: string) => (planned.afterPivot ? new Error(message) : new PermanentError(message));

    /** Calls the saga's own code; what it throws is kept, and a programming error stops the path at once. */
    const callUser = async <T>(phase: UserError['phase'], attempt: number, fn: () => T | Promise<T>): Promise<T> => {
      try {
        return await fn();
      } catch (error) {
        const record: UserError = { step: name, phase, attempt, error };
        run.userErrors.push(record);
        if (isProgrammingError(error)) run.bug(record);
        throw error;
      }
    };

    const crashHere = (call: EffectCall) => {
      const kind = call.kind;
      // A call that returns to an engine already stopped reaches nobody: no crash to ask for.
      if (!run.crashInFlight || inGroup || call.generation !== run.generation) return false;
      if (run.crashed.has(`${kind}:${name}`)) return false;
      run.crashed.add(`${kind}:${name}`);
      return true;
    };

    return {
      ...step,
      options: {
        ...options,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        retry: {
          maxAttempts: planned.retry.maxAttempts,
          ...(backoffMs === undefined ? FAST : { initialDelayMs: backoffMs, maxDelayMs: backoffMs, backoffFactor: 1 }),
        },
        ...(typeof compensate === 'function'
          ? { compensationRetry: { maxAttempts: planned.compensationRetry.maxAttempts, ...FAST } }
          : {}),
        run: async (ctx) => {
          const call: EffectCall = {
            kind: 'run',
            step: name,
            key: ctx.idempotencyKey,
            attempt: ctx.attempt,
            executionId: ctx.executionId,
            generation: run.generation,
            at: Date.now(),
          };
          run.calls.push(call);
          switch (fate) {
            case 'fail':
              throw failure(`${name} fails (path)`);
            case 'recover':
              if (run.retries === 0) throw failure(`${name} fails until an operator retries (path)`);
              break;
            case 'flaky':
            case 'cancelInBackoff':
              if (ctx.attempt === 1) throw new Error(`${name} fails once (path)`);
              break;
            case 'afterDeadline':
              await sleepUntil((run.deadlineAt ?? 0) + AFTER_DEADLINE_MS, ctx.signal);
              break;
            case 'ok':
            case 'timeout':
            case 'deadline':
            case 'cancelInFlight':
              break;
          }
          const output = await callUser('run', ctx.attempt, () => userRun(ctx));
          call.output = output;
          call.returned = true;
          // The effect is applied, and the step never reports back: its outcome is unknown.
          if (fate === 'timeout' || fate === 'deadline') return untilAborted(ctx.signal);
          if (fate === 'cancelInFlight') {
            run.cancelInFlight(name);
            return untilAborted(ctx.signal);
          }
          if (crashHere(call)) {
            call.crashed = true;
            run.requestCrash();
            return untilAborted(ctx.signal);
          }
          // A call that returns after its engine was stopped reaches nobody.
          if (call.generation === run.generation) call.ok = true;
          return output;
        },
        ...(typeof compensate === 'function'
          ? {
              compensate: async (ctx) => {
                const call: EffectCall = {
                  kind: 'compensate',
                  step: name,
                  key: ctx.idempotencyKey,
                  attempt: ctx.attempt,
                  executionId: ctx.executionId,
                  generation: run.generation,
                  at: Date.now(),
                };
                run.calls.push(call);
                call.outcome = (ctx as { outcome?: 'completed' | 'unknown' }).outcome ?? 'completed';
                if (compensationFate === 'fail' || (compensationFate === 'recover' && run.retries === 0)) {
                  throw new Error(`undo ${name} fails (path)`);
                }
                await callUser('compensate', ctx.attempt, () => compensate(ctx));
                if (crashHere(call)) {
                  call.crashed = true;
                  run.requestCrash();
                  return untilAborted(ctx.signal);
                }
                if (call.generation === run.generation) call.ok = true;
                return undefined;
              },
            }
          : {}),
      },
    };
  };

  const steps = definition.steps.map((entry): SagaStep => {
    if (entry.kind === 'step') return wrap(entry);
    if (entry.kind === 'parallel') return { ...entry, branches: entry.branches.map(wrap) };
    const fate = path.waits[entry.name];
    const { timeoutMs } = entry.options;
    const shortened =
      timeoutMs === undefined ? undefined : fate === 'timeout' ? SHORT_TIMEOUT_MS : Math.min(timeoutMs, maxWaitMs);
    return { ...entry, options: { ...entry.options, ...(shortened === undefined ? {} : { timeoutMs: shortened }) } };
  });
  return defineSaga({ ...definition, steps });
}
