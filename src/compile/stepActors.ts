import { fromCallback, fromPromise, type AnyActorRef } from 'xstate';
import { PermanentError } from '../definition/errors.js';
import type { CompensationReason, ExecutionId } from '../definition/types.js';
import { plainJsonIssue, safeMessage } from '../definition/plainJson.js';
import type { SagaContext } from './sagaContext.js';
import { inputForStep, resultsForStep } from './schemaValues.js';
import { InFlightEffects } from './InFlightEffects.js';
import type { SagaPlan } from './sagaPlan.js';

/** The small input each step actor is invoked with (and persisted with). */
export interface StepActorInput {
  readonly executionId: string;
  readonly step: string;
  readonly attempt: number;
  readonly kind: 'run' | 'compensate';
}

export interface TimerActorInput {
  readonly dueAt: number | null;
  readonly event: string;
}

/**
 * What the runtime adds around each step or compensation call. The compiled
 * machine works without it (a plain XState machine); the engine uses it to
 * wait for durability before any side effect starts.
 */
export interface EffectHooks {
  /** Awaited before user code runs. */
  readonly beforeEffect?: (input: StepActorInput) => Promise<void>;
  /** Wraps the user call, e.g. in a span. */
  readonly aroundEffect?: <T>(input: StepActorInput, call: () => Promise<T>) => Promise<T>;
}

// setTimeout cannot wait longer than 2^31-1 ms; longer timers re-arm.
const MAX_TIMEOUT_MS = 2_147_483_647;

export function idempotencyKeyFor(executionId: string, step: string, kind: 'run' | 'compensate'): string {
  return kind === 'run' ? `${executionId}:${step}` : `${executionId}:${step}:compensate`;
}

function parentContext(self: AnyActorRef): SagaContext {
  const parent = self._parent;
  if (parent === undefined) throw new Error('a saga step actor must be invoked by a saga machine');
  return (parent.getSnapshot() as { context: SagaContext }).context;
}

/** A step's output as the JSON it will be stored as; refused (PermanentError) past the limits. */
function toJson(step: string, output: unknown): unknown {
  if (output === undefined) return null;
  let json: unknown;
  try {
    json = JSON.parse(JSON.stringify(output)) as unknown;
  } catch (error) {
    throw new PermanentError(`Step "${step}" returned a value that is not JSON-serialisable: ${safeMessage(error)}`, {
      cause: error,
    });
  }
  const issue = plainJsonIssue(json ?? null);
  if (issue !== undefined) {
    const where = ['output', ...issue.path.map(String)].join('.');
    throw new PermanentError(`Step "${step}" returned a value that cannot be stored: ${where} ${issue.message}`);
  }
  return json ?? null;
}

const NO_REASON: CompensationReason = { kind: 'error', message: 'unknown' };

/** @internal */
export function createStepActors(plan: SagaPlan, hooks: EffectHooks = {}, inFlight = new InFlightEffects()) {
  const beforeEffect = hooks.beforeEffect ?? (() => Promise.resolve());
  const around = hooks.aroundEffect ?? (<T>(_: StepActorInput, call: () => Promise<T>) => call());

  const callUser = async (input: StepActorInput, self: AnyActorRef, xstateSignal: AbortSignal): Promise<unknown> => {
    // The actor starts inside the parent's transition: yield once so the parent's
    // snapshot (and, in the engine, its pending write) exists before we read it.
    await Promise.resolve();
    await beforeEffect(input);
    xstateSignal.throwIfAborted();
    const context = parentContext(self);
    const planned = plan.steps.get(input.step);
    if (planned === undefined) throw new PermanentError(`Unknown step "${input.step}"`);
    if (input.kind === 'run' && context.reason !== null) {
      // Restored while a cancel waited for this step: its first call may have applied the
      // effect, so it is not called again; failing here makes its outcome unknown.
      throw new PermanentError(`Step "${input.step}" was not called again: the saga is being cancelled`);
    }
    const call = inFlight.open(input.executionId, xstateSignal);
    try {
      const base = {
        input: inputForStep(plan, context.input),
        results: resultsForStep(plan, context.results),
        idempotencyKey: idempotencyKeyFor(input.executionId, input.step, input.kind),
        attempt: input.attempt,
        signal: call.signal,
        executionId: input.executionId as ExecutionId,
      };
      const { run, compensate } = planned.definition.options;
      if (input.kind === 'run') {
        return toJson(input.step, await around(input, () => Promise.resolve(run(base))));
      }
      if (typeof compensate !== 'function') return null;
      const reason = context.reason ?? NO_REASON;
      // A step that never reported back (timed out, aborted) may still hold its effect.
      const outcome = context.completed.includes(input.step)
        ? { outcome: 'completed' as const, result: context.results[input.step] }
        : { outcome: 'unknown' as const };
      await around(input, () => Promise.resolve(compensate({ ...base, ...outcome, reason })));
      return null;
    } finally {
      call.release();
    }
  };

  return {
    runStep: fromPromise<unknown, StepActorInput>(({ input, self, signal }) => callUser(input, self, signal)),
    compensateStep: fromPromise<unknown, StepActorInput>(({ input, self, signal }) => callUser(input, self, signal)),
    timer: fromCallback<{ type: string }, TimerActorInput>(({ input, sendBack }) => {
      if (input.dueAt === null) return undefined;
      const dueAt = input.dueAt;
      let handle: ReturnType<typeof setTimeout>;
      const arm = (): void => {
        const remaining = dueAt - Date.now();
        if (remaining <= 0) {
          sendBack({ type: input.event });
          return;
        }
        handle = setTimeout(arm, Math.min(remaining, MAX_TIMEOUT_MS));
      };
      // Even an overdue timer fires asynchronously, after the state that armed it settles.
      handle = setTimeout(arm, 0);
      return () => clearTimeout(handle);
    }),
  };
}
