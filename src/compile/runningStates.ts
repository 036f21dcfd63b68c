import { backoffEvent, backoffTimer, timeoutEvent, timeoutTimer, type SagaContext } from './sagaContext.js';
import type { PlannedEntry, PlannedGroup, PlannedStep, PlannedWait, SagaPlan } from './sagaPlan.js';
import type { StepActorInput, TimerActorInput } from './stepActors.js';
import { named, type InvokeConfig, type StateConfig, type TransitionConfig } from './stateConfig.js';

/** Builds `#machine.a.b` state ids. */
export type StateRef = (...path: string[]) => string;

function timerInvoke(id: string, key: string, event: string): InvokeConfig {
  return {
    id,
    src: 'timer',
    input: ({ context }: { context: SagaContext }): TimerActorInput => ({ dueAt: context.timers[key] ?? null, event }),
  };
}

function stepActorInput(step: string, kind: 'run' | 'compensate') {
  return ({ context }: { context: SagaContext }): StepActorInput => ({
    executionId: context.executionId,
    step,
    attempt: (kind === 'run' ? context.attempts[step] : context.compensationAttempts[step]) ?? 1,
    kind,
  });
}

/** Where a failure that is final for this step goes: rollback before the pivot, a person after it. */
function finalFailure(ref: StateRef, entry: PlannedStep | PlannedWait, state: string): TransitionConfig {
  const step = { step: entry.name };
  return entry.afterPivot
    ? {
        target: ref('Failed'),
        actions: [named('recordFailure', step), named('markFailed', { phase: 'Running', state })],
      }
    : { target: ref('Compensating'), actions: [named('recordFailure', step), named('beginCompensation', step)] };
}

function retryable(step: PlannedStep, onFinal: TransitionConfig): TransitionConfig[] {
  const params = { step: step.name };
  return [
    {
      guard: named('canRetry', params),
      target: 'backoff',
      actions: [named('recordFailure', params), named('scheduleRetry', params)],
    },
    onFinal,
  ];
}

/** `run` and `backoff` states of one step; `onSuccess` is where a completed attempt goes. */
function attemptStates(step: PlannedStep, onSuccess: string, onFinal: TransitionConfig): Record<string, StateConfig> {
  const params = { step: step.name };
  const { timeoutMs } = step.definition.options;
  const failures = retryable(step, onFinal);
  const invoke: InvokeConfig[] = [
    {
      id: `run.${step.name}`,
      src: 'runStep',
      input: stepActorInput(step.name, 'run'),
      onDone: { target: onSuccess, actions: [named('completeStep', params)] },
      onError: failures,
    },
  ];
  if (timeoutMs !== undefined) {
    invoke.push(timerInvoke(`timeout.${step.name}`, timeoutTimer(step.name), timeoutEvent(step.name)));
  }
  return {
    run: {
      entry: [named('startAttempt', params)],
      invoke,
      ...(timeoutMs === undefined ? {} : { on: { [timeoutEvent(step.name)]: failures } }),
      tags: ['step'],
    },
    backoff: {
      invoke: [timerInvoke(`backoff.${step.name}`, backoffTimer(step.name), backoffEvent(step.name))],
      on: { [backoffEvent(step.name)]: { target: 'run' } },
      tags: ['backoff'],
    },
  };
}

function stepState(ref: StateRef, step: PlannedStep, next: string): StateConfig {
  return {
    initial: 'run',
    states: attemptStates(step, next, finalFailure(ref, step, step.name)),
    meta: { kind: 'step', pivot: step.pivot, compensable: step.compensable },
  };
}

function waitState(ref: StateRef, wait: PlannedWait, next: string): StateConfig {
  const params = { step: wait.name };
  const { event, timeoutMs } = wait.definition.options;
  const on: Record<string, TransitionConfig | TransitionConfig[]> = {
    [event]: { guard: named('eventDataValid', params), target: next, actions: [named('receiveEvent', params)] },
  };
  if (timeoutMs !== undefined) on[timeoutEvent(wait.name)] = finalFailure(ref, wait, wait.name);
  return {
    entry: [named('startWait', params)],
    ...(timeoutMs === undefined
      ? {}
      : { invoke: [timerInvoke(`timeout.${wait.name}`, timeoutTimer(wait.name), timeoutEvent(wait.name))] }),
    on,
    tags: ['waiting'],
    meta: { kind: 'awaitEvent', event },
  };
}

function groupState(ref: StateRef, group: PlannedGroup, next: string): StateConfig {
  const branches: Record<string, StateConfig> = {};
  for (const branch of group.branches) {
    const params = { step: branch.name };
    const giveUp: TransitionConfig = {
      target: 'failed',
      actions: [named('recordFailure', params), named('markGroupFailed', params)],
    };
    branches[branch.name] = {
      initial: 'check',
      states: {
        // Re-entering the group after a manual retry skips the branches that already completed.
        check: { always: [{ guard: named('isCompleted', params), target: 'done' }, { target: 'run' }] },
        ...attemptStates(branch, 'done', giveUp),
        done: { type: 'final' },
        failed: { type: 'final' },
      },
      meta: { kind: 'step', pivot: false, compensable: branch.compensable },
    };
  }
  const failed: TransitionConfig = group.afterPivot
    ? { target: ref('Failed'), actions: [named('markFailed', { phase: 'Running', state: group.name })] }
    : { target: ref('Compensating'), actions: [named('beginCompensation', { step: group.name })] };
  return {
    type: 'parallel',
    states: branches,
    onDone: [{ guard: named('groupFailed', { group: group.name }), ...failed }, { target: next }],
    meta: { kind: 'parallel' },
  };
}

function entryState(ref: StateRef, entry: PlannedEntry, next: string): StateConfig {
  switch (entry.kind) {
    case 'step':
      return stepState(ref, entry, next);
    case 'awaitEvent':
      return waitState(ref, entry, next);
    case 'parallel':
      return groupState(ref, entry, next);
  }
}

/** The child states of `Running`: one per step, awaited event and parallel group, in order. */
export function runningStates(ref: StateRef, plan: SagaPlan): Record<string, StateConfig> {
  const states: Record<string, StateConfig> = {};
  plan.entries.forEach((entry, index) => {
    const following = plan.entries[index + 1];
    const next = following === undefined ? ref('Completed') : ref('Running', following.name);
    states[entry.name] = entryState(ref, entry, next);
  });
  return states;
}
