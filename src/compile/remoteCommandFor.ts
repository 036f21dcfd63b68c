import type { RemoteCall } from '../remote/remote.js';
import type { RemoteCommand } from '../remote/RemoteCommand.js';
import type { SagaContext } from './sagaContext.js';
import type { SagaPlan } from './sagaPlan.js';
import { stepContextFor } from './stepContextFor.js';
import type { StepActorInput } from './stepActors.js';
import { idempotencyKeyFor } from './idempotencyKey.js';
import { toJson } from './toJson.js';

// Commands are built from durable state only: a remote payload never sees a live signal.
const NEVER_ABORTED = new AbortController().signal;

/**
 * The command of one attempt of a remote step or compensation, from the saga's
 * durable context: the payload (the saga's input unless the step says
 * otherwise), the keys, and for a compensation what is known of the forward step.
 *
 * @internal
 */
export function remoteCommandFor(
  plan: SagaPlan,
  input: StepActorInput,
  call: RemoteCall,
  context: SagaContext,
  fence: number,
): RemoteCommand {
  const key = idempotencyKeyFor(input.executionId, input.step, input.kind);
  const ctx = stepContextFor(plan, input, context, { signal: NEVER_ABORTED }, fence);
  const completed = context.completed.includes(input.step);
  const compensation =
    input.kind === 'run'
      ? {}
      : {
          outcome: completed ? ('completed' as const) : ('unknown' as const),
          ...(completed ? { result: context.results[input.step] ?? null } : {}),
          reason: { kind: context.reason?.kind ?? 'error', message: context.reason?.message ?? 'unknown' },
        };
  const payload =
    call.payload === undefined
      ? (context.input ?? null)
      : toJson(input.step, call.payload(ctx as never), 'built a remote payload');
  return {
    v: 1,
    key,
    forwardKey: idempotencyKeyFor(input.executionId, input.step, 'run'),
    kind: input.kind,
    executionId: input.executionId,
    saga: plan.definition.name,
    step: input.step,
    attempt: input.attempt,
    subject: call.subject,
    payload,
    ...compensation,
  };
}
