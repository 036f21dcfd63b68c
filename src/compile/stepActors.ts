import { fromCallback, fromPromise, type AnyActorRef } from 'xstate';
import { PermanentError } from '../definition/errors.js';
import type { CompensationContext } from '../definition/types.js';
import type { SagaContext } from './sagaContext.js';
import { InFlightEffects } from './InFlightEffects.js';
import type { SagaPlan } from './sagaPlan.js';
import { toJson } from './toJson.js';
import { stepContextFor } from './stepContextFor.js';
import { remoteCallOf, type RemoteCall } from '../remote/remote.js';
import type { RemoteCommand } from '../remote/RemoteCommand.js';
import { remoteCommandFor } from './remoteCommandFor.js';

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
  /** Awaited before user code runs; gives the fencing token the call carries (`ctx.fence`). */
  readonly beforeEffect?: (input: StepActorInput) => Promise<number>;
  /** Wraps the user call, e.g. in a span. */
  readonly aroundEffect?: <T>(input: StepActorInput, call: () => Promise<T>) => Promise<T>;
  /**
   * Sends a remote step's command: adds it to the write that makes the step's
   * state durable and resolves once that write is durable (no `beforeEffect` first).
   */
  readonly sendRemote?: (input: StepActorInput, command: RemoteCommand) => Promise<void>;
  /** The fencing token the engine holds the execution with (a remote step's payload sees it). */
  readonly fenceOf?: (executionId: string) => number;
}

export { idempotencyKeyFor } from './idempotencyKey.js';

// setTimeout cannot wait longer than 2^31-1 ms; longer timers re-arm.
const MAX_TIMEOUT_MS = 2_147_483_647;

function parentContext(self: AnyActorRef): SagaContext {
  const parent = self._parent;
  if (parent === undefined) throw new Error('a saga step actor must be invoked by a saga machine');
  return (parent.getSnapshot() as { context: SagaContext }).context;
}

/** @internal */
export function createStepActors(plan: SagaPlan, hooks: EffectHooks = {}, inFlight = new InFlightEffects()) {
  // A machine run without an engine has no holder to fence: every call carries 0.
  const beforeEffect = hooks.beforeEffect ?? (() => Promise.resolve(0));
  const around = hooks.aroundEffect ?? (<T>(_: StepActorInput, call: () => Promise<T>) => call());
  const sendRemote =
    hooks.sendRemote ??
    ((input: StepActorInput) =>
      Promise.reject(new PermanentError(`Remote step "${input.step}" needs a SagaEngine to send its command`)));

  /** A remote call: its command goes out with the state that started it; the reply event settles the step. */
  const callRemote = async (
    input: StepActorInput,
    remoteCall: RemoteCall,
    context: SagaContext,
    signal: AbortSignal,
  ): Promise<never> => {
    const command = remoteCommandFor(plan, input, remoteCall, context, hooks.fenceOf?.(input.executionId) ?? 0);
    await around(input, () => sendRemote(input, command));
    // The chart leaves this state on the reply (or the timeout); until then the actor waits.
    return new Promise<never>((_, reject) => {
      signal.addEventListener('abort', () => reject(new Error('the remote step is no longer awaited')), { once: true });
    });
  };

  const callUser = async (input: StepActorInput, self: AnyActorRef, xstateSignal: AbortSignal): Promise<unknown> => {
    // The actor starts inside the parent's transition: yield once so the parent's
    // snapshot (and, in the engine, its pending write) exists before we read it.
    await Promise.resolve();
    const planned = plan.steps.get(input.step);
    if (planned === undefined) throw new PermanentError(`Unknown step "${input.step}"`);
    const { run, compensate } = planned.definition.options;
    const remoteCall = remoteCallOf(input.kind === 'run' ? run : compensate);
    // A remote step's command carries the fence the engine adds when it writes it (sendRemote).
    const fence = remoteCall === undefined ? await beforeEffect(input) : 0;
    xstateSignal.throwIfAborted();
    const context = parentContext(self);
    if (input.kind === 'run' && context.reason !== null) {
      // Restored while a cancel waited for this step: its first call may have applied the
      // effect, so it is not called again; failing here makes its outcome unknown.
      throw new PermanentError(`Step "${input.step}" was not called again: the saga is being cancelled`);
    }
    if (remoteCall !== undefined) return callRemote(input, remoteCall, context, xstateSignal);
    const call = inFlight.open(input.executionId, xstateSignal);
    try {
      if (input.kind === 'run') {
        const ctx = stepContextFor(plan, input, context, call, fence);
        return toJson(input.step, await around(input, () => Promise.resolve(run(ctx))));
      }
      if (typeof compensate !== 'function') return null;
      const ctx = stepContextFor(plan, input, context, call, fence);
      await around(input, () => Promise.resolve(compensate(ctx as CompensationContext<unknown, unknown>)));
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
