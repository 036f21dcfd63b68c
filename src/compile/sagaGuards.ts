import { isPermanent } from './sagaActions.js';
import type { SagaContext, SagaEvent } from './sagaContext.js';
import type { SagaPlan } from './sagaPlan.js';

interface GuardArgs {
  readonly context: SagaContext;
  readonly event: SagaEvent;
}

/** The named guards of every saga machine; each takes its step or group from params. */
export function createSagaGuards(plan: SagaPlan) {
  return {
    canRetry: ({ context, event }: GuardArgs, { step }: { step: string }): boolean => {
      const planned = plan.steps.get(step);
      if (planned === undefined || isPermanent(event.error)) return false;
      if (planned.group !== undefined && context.failedGroups.includes(planned.group)) return false;
      return (context.attempts[step] ?? 0) < planned.retry.maxAttempts;
    },
    canRetryCompensation: ({ context, event }: GuardArgs, { step }: { step: string }): boolean => {
      const planned = plan.steps.get(step);
      if (planned === undefined || isPermanent(event.error)) return false;
      return (context.compensationAttempts[step] ?? 0) < planned.compensationRetry.maxAttempts;
    },
    cancellable: ({ context }: GuardArgs): boolean =>
      context.reason === null && (plan.pivot === undefined || !context.completed.includes(plan.pivot)),
    isCompleted: ({ context }: GuardArgs, { step }: { step: string }): boolean => context.completed.includes(step),
    // A step that completed, or whose outcome is unknown, may hold its effect.
    needsCompensation: ({ context }: GuardArgs, { step }: { step: string }): boolean =>
      (context.completed.includes(step) || context.unknown.includes(step)) && !context.compensated.includes(step),
    // A cancel or the deadline waits for the step in flight to settle (Running, reason set).
    stopping: ({ context }: GuardArgs): boolean => context.reason !== null,
    notStopping: ({ context }: GuardArgs): boolean => context.reason === null,
    groupFailed: ({ context }: GuardArgs, { group }: { group: string }): boolean =>
      context.failedGroups.includes(group),
    failedAt: ({ context }: GuardArgs, { phase, state }: { phase: string; state: string }): boolean =>
      context.failure?.phase === phase && context.failure.state === state,
    eventDataValid: ({ event }: GuardArgs, { step }: { step: string }): boolean => {
      const schema = plan.waits.get(step)?.definition.options.schema;
      return schema === undefined || schema.safeParse(event.data).success;
    },
  };
}
