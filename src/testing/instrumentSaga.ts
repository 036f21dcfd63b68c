import { planSaga } from '../compile/sagaPlan.js';
import { defineSaga } from '../definition/defineSaga.js';
import { PermanentError } from '../definition/errors.js';
import type { AnySagaDefinition, SagaStep, StepDefinition } from '../definition/types.js';
import type { SagaPath } from './SagaPath.js';

/** One call the fault injector saw. */
export interface EffectCall {
  readonly kind: 'run' | 'compensate';
  readonly step: string;
  readonly key: string;
  readonly attempt: number;
  readonly executionId: string;
  /** The call ended without throwing. */
  ok?: boolean;
  /** What the saga's own run returned (for the re-run check). */
  output?: unknown;
}

const FAST = { initialDelayMs: 1, maxDelayMs: 5, backoffFactor: 2 };
const SHORT_TIMEOUT_MS = 30;

const untilAborted = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted by timeout'))));

/**
 * The saga with every step and compensation wrapped by a fault injector that
 * makes it do what the path says (and otherwise calls the saga's own code),
 * with timeouts and retry delays shortened so paths run in milliseconds. The
 * shape, and so the definition hash, stays the same.
 *
 * @internal
 */
export function instrumentSaga(definition: AnySagaDefinition, path: SagaPath, calls: EffectCall[]): AnySagaDefinition {
  const plan = planSaga(definition);
  const wrap = (step: StepDefinition): StepDefinition => {
    const { options } = step;
    const fate = path.steps[step.name] ?? 'ok';
    const compensation = path.compensations[step.name] ?? 'ok';
    const timeoutMs =
      options.timeoutMs === undefined ? undefined : fate === 'timeout' ? SHORT_TIMEOUT_MS : options.timeoutMs;
    const compensate = options.compensate;
    return {
      ...step,
      options: {
        ...options,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        // Keep each policy's attempt count (defaults resolved by position), not its waits.
        retry: { maxAttempts: plan.steps.get(step.name)?.retry.maxAttempts ?? 1, ...FAST },
        run: async (ctx) => {
          const call: EffectCall = {
            kind: 'run',
            step: step.name,
            key: ctx.idempotencyKey,
            attempt: ctx.attempt,
            executionId: ctx.executionId,
          };
          calls.push(call);
          if (fate === 'fail') throw new PermanentError(`${step.name} fails (path)`);
          if (fate === 'timeout') return untilAborted(ctx.signal);
          if (fate === 'flaky' && ctx.attempt === 1) throw new Error(`${step.name} fails once (path)`);
          call.output = await options.run(ctx);
          call.ok = true;
          return call.output;
        },
        ...(typeof compensate === 'function'
          ? {
              compensate: async (ctx) => {
                const call: EffectCall = {
                  kind: 'compensate',
                  step: step.name,
                  key: ctx.idempotencyKey,
                  attempt: ctx.attempt,
                  executionId: ctx.executionId,
                };
                calls.push(call);
                if (compensation === 'fail') throw new PermanentError(`undo ${step.name} fails (path)`);
                await compensate(ctx);
                call.ok = true;
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
    const timeoutMs =
      entry.options.timeoutMs === undefined
        ? undefined
        : fate === 'timeout'
          ? SHORT_TIMEOUT_MS
          : entry.options.timeoutMs;
    return { ...entry, options: { ...entry.options, ...(timeoutMs === undefined ? {} : { timeoutMs }) } };
  });
  return defineSaga({ ...definition, steps });
}
