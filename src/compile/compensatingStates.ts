import type { StateRef } from './runningStates.js';
import { remoteCallOf } from '../remote/remote.js';
import { remoteSubjects } from '../remote/remoteSubjects.js';
import { compensationBackoffEvent, compensationBackoffTimer, replyEvent, type SagaContext } from './sagaContext.js';
import type { PlannedGroup, PlannedStep, SagaPlan } from './sagaPlan.js';
import type { StepActorInput, TimerActorInput } from './stepActors.js';
import { named, type StateConfig, type TransitionConfig } from './stateConfig.js';

/** What a compensation's state says of itself; the subject when a participant elsewhere does it. */
function compensationMeta(step: PlannedStep) {
  const subject = remoteSubjects(step.definition)?.compensate;
  return { kind: 'compensation', compensates: step.name, ...(subject === undefined ? {} : { remote: subject }) };
}

/** `check`, `run` and `backoff` states of one compensation. */
function compensationStates(step: PlannedStep, onDone: string, onFinal: TransitionConfig): Record<string, StateConfig> {
  const params = { step: step.name };
  const onSuccess: TransitionConfig = { target: onDone, actions: [named('completeCompensation', params)] };
  const onError: TransitionConfig[] = [
    {
      guard: named('canRetryCompensation', params),
      target: 'backoff',
      actions: [named('recordCompensationFailure', params), named('scheduleCompensationRetry', params)],
    },
    { ...onFinal, actions: [named('recordCompensationFailure', params), ...(onFinal.actions ?? [])] },
  ];
  // A remote compensation ends when its reply arrives, as if its call had returned or thrown.
  const replies =
    remoteCallOf(step.definition.options.compensate) === undefined
      ? undefined
      : {
          [replyEvent(step.name, 'compensate', true)]: onSuccess,
          [replyEvent(step.name, 'compensate', false)]: onError,
        };
  return {
    // Only steps that completed (and are not yet undone) are compensated.
    check: { always: [{ guard: named('needsCompensation', params), target: 'run' }, { target: onDone }] },
    run: {
      entry: [named('startCompensation', params)],
      invoke: [
        {
          id: `compensate.${step.name}`,
          src: 'compensateStep',
          input: ({ context }: { context: SagaContext }): StepActorInput => ({
            executionId: context.executionId,
            step: step.name,
            attempt: context.compensationAttempts[step.name] ?? 1,
            kind: 'compensate',
          }),
          onDone: onSuccess,
          onError,
        },
      ],
      ...(replies === undefined ? {} : { on: replies }),
      tags: ['compensation'],
    },
    backoff: {
      invoke: [
        {
          id: `compensation-backoff.${step.name}`,
          src: 'timer',
          input: ({ context }: { context: SagaContext }): TimerActorInput => ({
            dueAt: context.timers[compensationBackoffTimer(step.name)] ?? null,
            event: compensationBackoffEvent(step.name),
          }),
        },
      ],
      on: { [compensationBackoffEvent(step.name)]: { target: 'run' } },
      tags: ['backoff'],
    },
  };
}

function groupCompensation(ref: StateRef, group: PlannedGroup, next: string): StateConfig {
  const branches: Record<string, StateConfig> = {};
  for (const branch of group.branches) {
    branches[branch.name] = {
      initial: 'check',
      states: {
        ...compensationStates(branch, 'done', {
          target: 'failed',
          actions: [named('markGroupFailed', { step: branch.name })],
        }),
        done: { type: 'final' },
        failed: { type: 'final' },
      },
      meta: compensationMeta(branch),
    };
  }
  return {
    type: 'parallel',
    states: branches,
    onDone: [
      {
        guard: named('groupFailed', { group: group.name }),
        target: ref('Failed'),
        actions: [named('markFailed', { phase: 'Compensating', state: group.name })],
      },
      { target: next },
    ],
    meta: { kind: 'parallel' },
  };
}

/**
 * The child states of `Compensating`: one per compensable step (a parallel
 * state per group), in reverse order of the saga.
 */
export function compensatingStates(ref: StateRef, plan: SagaPlan): Record<string, StateConfig> {
  const states: Record<string, StateConfig> = {};
  plan.compensations.forEach((entry, index) => {
    const following = plan.compensations[index + 1];
    const next = following === undefined ? ref('Compensated') : ref('Compensating', following.name);
    states[entry.name] =
      entry.kind === 'parallel'
        ? groupCompensation(ref, entry, next)
        : {
            initial: 'check',
            states: compensationStates(entry, next, {
              target: ref('Failed'),
              actions: [named('markFailed', { phase: 'Compensating', state: entry.name })],
            }),
            meta: compensationMeta(entry),
          };
  });
  return states;
}
