import { setup, type AnyStateMachine } from 'xstate';
import type { AnySagaDefinition } from '../definition/types.js';
import { compensatingStates } from './compensatingStates.js';
import { runningStates, type StateRef } from './runningStates.js';
import { createMarkFailed, createSagaActions, type JournalEmitted } from './sagaActions.js';
import {
  CANCEL_EVENT,
  DEADLINE_EVENT,
  RETRY_EVENT,
  initialContext,
  type SagaContext,
  type SagaEvent,
  type SagaMachineInput,
} from './sagaContext.js';
import { createSagaGuards } from './sagaGuards.js';
import { planSaga, type SagaPlan } from './sagaPlan.js';
import { createStepActors, type EffectHooks } from './stepActors.js';
import { InFlightEffects } from './InFlightEffects.js';
import { named, type StateConfig, type TransitionConfig } from './stateConfig.js';

/** Every place a Failed execution can resume from, as guarded `saga.retry` transitions. */
function retryTransitions(ref: StateRef, plan: SagaPlan): TransitionConfig[] {
  const resumable = [
    ...plan.entries.filter((e) => e.afterPivot).map((e) => ['Running', e.name] as const),
    ...plan.compensations.map((e) => ['Compensating', e.name] as const),
  ];
  return resumable.map(([phase, state]) => ({
    guard: named('failedAt', { phase, state }),
    target: ref(phase, state),
    actions: [named('manualRetry')],
  }));
}

function sagaStates(ref: StateRef, plan: SagaPlan): Record<string, StateConfig> {
  const cancellable = named('cancellable');
  const compensating = compensatingStates(ref, plan);
  const firstCompensation = plan.compensations[0];
  return {
    Running: {
      initial: plan.entries[0]?.name ?? '',
      invoke: [
        {
          id: 'deadline',
          src: 'timer',
          input: ({ context }: { context: SagaContext }) => ({ dueAt: context.deadlineAt, event: DEADLINE_EVENT }),
        },
      ],
      on: {
        [CANCEL_EVENT]: { guard: cancellable, target: 'Compensating', actions: [named('cancel')] },
        [DEADLINE_EVENT]: { guard: cancellable, target: 'Compensating', actions: [named('deadlineExceeded')] },
      },
      states: runningStates(ref, plan),
    },
    Compensating: {
      entry: [named('clearGroupFailures')],
      ...(firstCompensation === undefined
        ? { always: [{ target: 'Compensated' }] }
        : { initial: firstCompensation.name, states: compensating }),
    },
    Completed: { type: 'final', entry: [named('sagaCompleted')] },
    Compensated: { type: 'final', entry: [named('sagaCompensated')] },
    Failed: {
      entry: [named('sagaFailed')],
      on: { [RETRY_EVENT]: retryTransitions(ref, plan) },
      description: 'A person must act: fix the cause, then retry.',
    },
  };
}

/** @internal Deliberately broken compilations, for mutation tests of sagachart/testing only. */
export interface TestOnlyCompileOptions {
  /** Compensate in the order the steps ran instead of in reverse. */
  readonly forwardCompensation?: boolean;
  /** Forget which steps were already compensated: a retried rollback undoes them again. */
  readonly compensateAgain?: boolean;
  /** Forget the steps whose outcome is unknown: only completed steps are compensated. */
  readonly forgetUnknown?: boolean;
}

/** @internal Compiles with runtime hooks around every side effect. */
export function compileWithHooks(
  definition: AnySagaDefinition,
  hooks: EffectHooks = {},
  testOnly: TestOnlyCompileOptions = {},
) {
  const planned = planSaga(definition);
  const plan =
    testOnly.forwardCompensation === true
      ? { ...planned, compensations: [...planned.compensations].reverse() }
      : planned;
  const id = definition.name;
  const ref: StateRef = (...path) => `#${id}.${path.join('.')}`;
  const config = {
    id,
    initial: 'Running',
    context: ({ input }: { input: SagaMachineInput }) => initialContext(input),
    entry: [named('sagaStarted')],
    states: sagaStates(ref, plan),
  };
  const inFlight = new InFlightEffects();
  const actions = {
    ...createSagaActions(plan, inFlight),
    markFailed: createMarkFailed(),
  };
  const guards = createSagaGuards(plan);
  if (testOnly.forgetUnknown === true) {
    guards.needsCompensation = ({ context }, { step }) =>
      context.completed.includes(step) && !context.compensated.includes(step);
  }
  if (testOnly.compensateAgain === true) {
    guards.needsCompensation = ({ context }, { step }) =>
      context.completed.includes(step) || context.unknown.includes(step);
  }
  const machine = setup({
    types: {
      context: {} as SagaContext,
      events: {} as SagaEvent,
      input: {} as SagaMachineInput,
      emitted: {} as JournalEmitted,
    },
    actions,
    guards,
    actors: createStepActors(plan, hooks, inFlight),
  }).createMachine(config as never);
  return { machine: machine as unknown as AnyStateMachine, plan };
}

/**
 * Compiles a saga into a plain XState v5 machine with top-level states
 * `Running`, `Compensating`, `Completed`, `Compensated` and `Failed`. Run it
 * yourself with `createActor`, or paste `machine.toJSON()` into Stately Studio.
 *
 * @example
 * const machine = compile(orderFulfillment);
 * const actor = createActor(machine, { input: { executionId: 'o-1', input: { orderId: 'A1', amount: 5 } } });
 * actor.start();
 */
export function compile(definition: AnySagaDefinition): AnyStateMachine {
  return compileWithHooks(definition).machine;
}
