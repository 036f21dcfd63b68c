import { and, or, stateIn } from 'xstate';
import {
  CANCEL_EVENT,
  DEADLINE_EVENT,
  backoffEvent,
  backoffTimer,
  replyEvent,
  timeoutEvent,
  timeoutTimer,
  type SagaContext,
} from './sagaContext.js';
import type { PlannedEntry, PlannedGroup, PlannedStep, PlannedWait, SagaPlan } from './sagaPlan.js';
import type { StepActorInput, TimerActorInput } from './stepActors.js';
import { remoteCallOf } from '../remote/remote.js';
import { remoteSubjects } from '../remote/remoteSubjects.js';
import { named, type ActionRef, type InvokeConfig, type StateConfig, type TransitionConfig } from './stateConfig.js';

/** A remote step's subject in its state's meta, so the chart's JSON says which steps run elsewhere. */
const remoteMeta = (step: PlannedStep) => {
  const subject = remoteSubjects(step.definition)?.run;
  return subject === undefined ? {} : { remote: subject };
};

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

function retryable(step: PlannedStep, onFinal: TransitionConfig, extra: readonly ActionRef[] = []): TransitionConfig[] {
  const params = { step: step.name };
  return [
    {
      guard: named('canRetry', params),
      target: 'backoff',
      actions: [named('recordFailure', params), ...extra, named('scheduleRetry', params)],
    },
    { ...onFinal, actions: [...(onFinal.actions ?? []).slice(0, 1), ...extra, ...(onFinal.actions ?? []).slice(1)] },
  ];
}

/**
 * How a step's attempt reacts while a cancel or the deadline waits for it to
 * settle (DESIGN §3, unknown outcomes): `stopped` is where it goes when it
 * settles; `cancellable` steps (before the pivot, outside a group) take the
 * cancel themselves so their call keeps running with its signal fired.
 */
interface StopRule {
  readonly stopped: string;
  readonly cancellable: boolean;
}

/** `run` and `backoff` states of one step; `onSuccess` is where a completed attempt goes. */
function attemptStates(
  step: PlannedStep,
  onSuccess: string,
  onFinal: TransitionConfig,
  stop: StopRule | undefined,
): Record<string, StateConfig> {
  const params = { step: step.name };
  const { timeoutMs } = step.definition.options;
  const failures = retryable(step, onFinal);
  // A timed-out attempt may have applied its effect: its outcome is unknown.
  const timeouts = retryable(step, onFinal, [named('markUnknown', params)]);
  const whenStopping = (actions: readonly ActionRef[]): TransitionConfig[] =>
    stop === undefined ? [] : [{ guard: named('stopping'), target: stop.stopped, actions }];
  const onDone: TransitionConfig[] = [
    ...(stop?.cancellable === true ? whenStopping([named('completeStep', params)]) : []),
    { target: onSuccess, actions: [named('completeStep', params)] },
  ];
  const onError = [...whenStopping([named('recordFailure', params), named('markUnknown', params)]), ...failures];
  const invoke: InvokeConfig[] = [
    { id: `run.${step.name}`, src: 'runStep', input: stepActorInput(step.name, 'run'), onDone, onError },
  ];
  if (timeoutMs !== undefined) {
    invoke.push(timerInvoke(`timeout.${step.name}`, timeoutTimer(step.name), timeoutEvent(step.name)));
  }
  // A remote step's attempt ends when its reply arrives, exactly as if its call had returned or thrown.
  const on: Record<string, TransitionConfig | TransitionConfig[]> =
    remoteCallOf(step.definition.options.run) === undefined
      ? {}
      : { [replyEvent(step.name, 'run', true)]: onDone, [replyEvent(step.name, 'run', false)]: onError };
  if (timeoutMs !== undefined) {
    on[timeoutEvent(step.name)] = [
      ...whenStopping([named('recordFailure', params), named('markUnknown', params)]),
      ...timeouts,
    ];
  }
  if (stop?.cancellable === true) Object.assign(on, cancelWhileInFlight());
  if (step.pivot) Object.assign(on, { [CANCEL_EVENT]: {}, [DEADLINE_EVENT]: {} });
  return {
    run: {
      entry: [named('startAttempt', params)],
      invoke,
      ...(Object.keys(on).length === 0 ? {} : { on }),
      tags: ['step'],
    },
    backoff: {
      invoke: [timerInvoke(`backoff.${step.name}`, backoffTimer(step.name), backoffEvent(step.name))],
      on: { [backoffEvent(step.name)]: { target: 'run' } },
      // In a group that is being cancelled, a branch waiting to retry stops at once.
      ...(stop === undefined || stop.cancellable
        ? {}
        : { always: [{ guard: named('stopping'), target: stop.stopped }] }),
      tags: ['backoff'],
    },
  };
}

/**
 * A cancel or deadline while a step is in flight fires its signal and waits
 * for it to settle (bounded by its timeout): the targetless transition keeps
 * the call running, and `stopping` routes its outcome to compensation.
 */
function cancelWhileInFlight(
  guard: TransitionConfig['guard'] = named('notStopping'),
): Record<string, TransitionConfig> {
  return {
    [CANCEL_EVENT]: { guard, actions: [named('cancel'), named('abortInFlight')] },
    [DEADLINE_EVENT]: { guard, actions: [named('deadlineExceeded'), named('abortInFlight')] },
  };
}

function stepState(ref: StateRef, step: PlannedStep, next: string): StateConfig {
  const cancellable = !step.afterPivot && !step.pivot;
  return {
    initial: 'run',
    states: attemptStates(
      step,
      next,
      finalFailure(ref, step, step.name),
      cancellable ? { stopped: ref('Compensating'), cancellable: true } : undefined,
    ),
    meta: { kind: 'step', pivot: step.pivot, compensable: step.compensable, ...remoteMeta(step) },
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
  const stop: StopRule | undefined = group.afterPivot ? undefined : { stopped: 'failed', cancellable: false };
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
        ...attemptStates(branch, 'done', giveUp, stop),
        done: { type: 'final' },
        failed: { type: 'final' },
      },
      meta: { kind: 'step', pivot: false, compensable: branch.compensable, ...remoteMeta(branch) },
    };
  }
  const failed: TransitionConfig = group.afterPivot
    ? { target: ref('Failed'), actions: [named('markFailed', { phase: 'Running', state: group.name })] }
    : { target: ref('Compensating'), actions: [named('beginCompensation', { step: group.name })] };
  return {
    type: 'parallel',
    states: branches,
    // While a branch is in flight the group takes the cancel: it waits for its branches to settle.
    ...(stop === undefined
      ? {}
      : {
          on: cancelWhileInFlight(
            and([
              named('notStopping'),
              or(group.branches.map((b) => stateIn(ref('Running', group.name, b.name, 'run')))),
            ]),
          ),
        }),
    onDone: [
      ...(stop === undefined ? [] : [{ guard: named('stopping'), target: ref('Compensating') }]),
      { guard: named('groupFailed', { group: group.name }), ...failed },
      { target: next },
    ],
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
