import { enqueueActions } from 'xstate';
import { PermanentError } from '../definition/errors.js';
import { errorName, safeMessage } from '../definition/plainJson.js';
import { backoffDelay } from '../definition/retryPolicy.js';
import type { JournalRecord } from '../events/JournalEntry.js';
import {
  DEADLINE_EVENT,
  backoffTimer,
  compensationBackoffTimer,
  timeoutTimer,
  type ErrorRecord,
  type SagaContext,
  type SagaEvent,
} from './sagaContext.js';
import type { InFlightEffects } from './InFlightEffects.js';
import type { SagaPlan } from './sagaPlan.js';

/** What the machine emits for each journal entry; the runtime persists them with the snapshot. */
export interface JournalEmitted {
  readonly type: 'journal';
  readonly entry: JournalRecord;
}

interface StepParams {
  readonly step: string;
}

/** The two things saga actions do: change the context and emit journal entries. */
interface Enqueuer {
  assign(values: Partial<SagaContext>): void;
  emit(emitted: JournalEmitted): void;
}

function journal(enqueue: Enqueuer, entry: Omit<JournalRecord, 'at'>): void {
  enqueue.emit({ type: 'journal', entry: { at: Date.now(), ...entry } });
}

/** A safe record of whatever a step threw: strings only, bounded, never throws. */
function errorOf(event: SagaEvent): { name: string; message: string; permanent: boolean } {
  const error = event.error;
  return { name: errorName(error), message: safeMessage(error), permanent: isPermanent(error) };
}

/** PermanentError, recognised by name too in case two copies of the package meet. */
export function isPermanent(error: unknown): boolean {
  try {
    return error instanceof PermanentError || (error instanceof Error && error.name === 'PermanentError');
  } catch {
    return false;
  }
}

function without(timers: Record<string, number>, key: string): Record<string, number> {
  const { [key]: _removed, ...rest } = timers;
  return rest;
}

// The named actions of every saga machine. Each takes its step from params so
// the chart's JSON stays serialisable and persisted snapshots stay valid.
export function createSagaActions(plan: SagaPlan, inFlight: InFlightEffects) {
  const act = (fn: (args: { context: SagaContext; event: SagaEvent; enqueue: Enqueuer }, params: StepParams) => void) =>
    enqueueActions<SagaContext, SagaEvent, StepParams, SagaEvent, never, never, never, never, JournalEmitted>(
      ({ context, event, enqueue }, params) =>
        fn(
          {
            context,
            event,
            enqueue: { assign: (values) => enqueue.assign(values), emit: (emitted) => enqueue.emit(emitted) },
          },
          params,
        ),
    );

  const recordError = (
    context: SagaContext,
    step: string,
    phase: ErrorRecord['phase'],
    attempt: number,
    failure: { name: string; message: string; permanent: boolean },
  ): ErrorRecord[] => [
    ...context.errors,
    {
      step,
      phase,
      attempt,
      at: Date.now(),
      name: failure.name,
      message: failure.message,
      ...(failure.permanent ? { permanent: true } : {}),
    },
  ];

  return {
    sagaStarted: act(({ context, enqueue }) => {
      journal(enqueue, { type: 'SagaStarted', data: { input: context.input } });
    }),
    startAttempt: act(({ context, enqueue }, { step }) => {
      const attempt = (context.attempts[step] ?? 0) + 1;
      const timeoutMs = plan.steps.get(step)?.definition.options.timeoutMs;
      enqueue.assign({
        attempts: { ...context.attempts, [step]: attempt },
        timers: {
          ...without(context.timers, backoffTimer(step)),
          ...(timeoutMs === undefined ? {} : { [timeoutTimer(step)]: Date.now() + timeoutMs }),
        },
      });
      journal(enqueue, { type: 'StepStarted', step, attempt });
    }),
    completeStep: act(({ context, event, enqueue }, { step }) => {
      enqueue.assign({
        results: { ...context.results, [step]: event.output },
        completed: [...context.completed, step],
        timers: without(context.timers, timeoutTimer(step)),
      });
      journal(enqueue, { type: 'StepCompleted', step, attempt: context.attempts[step] ?? 1, data: event.output });
    }),
    recordFailure: act(({ context, event, enqueue }, { step }) => {
      const isWait = plan.waits.has(step);
      const attempt = isWait ? 1 : (context.attempts[step] ?? 1);
      const timedOut = event.type.startsWith('saga.timeout.');
      const failure = timedOut
        ? { name: 'StepTimeoutError', message: `Step "${step}" timed out`, permanent: isWait }
        : errorOf(event);
      enqueue.assign({
        errors: recordError(context, step, isWait ? 'wait' : 'run', attempt, failure),
        timers: without(context.timers, timeoutTimer(step)),
      });
      journal(enqueue, { type: 'StepFailed', step, attempt, data: failure });
    }),
    scheduleRetry: act(({ context, enqueue }, { step }) => {
      const planned = plan.steps.get(step);
      const failedAttempt = context.attempts[step] ?? 1;
      const delayMs = planned === undefined ? 0 : backoffDelay(planned.retry, failedAttempt);
      const dueAt = Date.now() + delayMs;
      enqueue.assign({ timers: { ...context.timers, [backoffTimer(step)]: dueAt } });
      journal(enqueue, { type: 'StepRetryScheduled', step, attempt: failedAttempt + 1, data: { delayMs, dueAt } });
    }),
    beginCompensation: act(({ context, enqueue }) => {
      const last = context.errors.at(-1);
      enqueue.assign({
        reason:
          last === undefined
            ? { kind: 'error', message: 'step failed' }
            : { kind: 'error', message: last.message, step: last.step, name: last.name },
      });
    }),
    // A branch that failed while running says nothing about the compensations to come.
    clearGroupFailures: act(({ context, enqueue }) => {
      if (context.failedGroups.length > 0) enqueue.assign({ failedGroups: [] });
    }),
    markGroupFailed: act(({ context, enqueue }, { step }) => {
      const group = plan.steps.get(step)?.group;
      if (group !== undefined && !context.failedGroups.includes(group)) {
        enqueue.assign({ failedGroups: [...context.failedGroups, group] });
      }
    }),
    startWait: act(({ context, enqueue }, { step }) => {
      const timeoutMs = plan.waits.get(step)?.definition.options.timeoutMs;
      if (timeoutMs !== undefined) {
        enqueue.assign({ timers: { ...context.timers, [timeoutTimer(step)]: Date.now() + timeoutMs } });
      }
      journal(enqueue, { type: 'StepStarted', step, attempt: 1 });
    }),
    receiveEvent: act(({ context, event, enqueue }, { step }) => {
      // The raw JSON is kept; steps see it through the event's schema (schemaValues.ts).
      const schema = plan.waits.get(step)?.definition.options.schema;
      const data = event.data === undefined && schema === undefined ? null : event.data;
      enqueue.assign({
        results: { ...context.results, [step]: data },
        completed: [...context.completed, step],
        timers: without(context.timers, timeoutTimer(step)),
      });
      journal(enqueue, { type: 'EventReceived', step, data: { event: event.type, data } });
    }),
    markUnknown: act(({ context, enqueue }, { step }) => {
      if (!context.unknown.includes(step)) enqueue.assign({ unknown: [...context.unknown, step] });
    }),
    // Fires the signal of the steps in flight; they keep running until they settle.
    abortInFlight: ({ context, event }: { context: SagaContext; event: SagaEvent }) => {
      inFlight.abort(context.executionId, event.type === DEADLINE_EVENT ? 'saga deadline exceeded' : 'cancelled');
    },
    cancel: act(({ event, enqueue }) => {
      const message = event.reason ?? 'cancelled';
      enqueue.assign({ reason: { kind: 'cancelled', message } });
      journal(enqueue, { type: 'CancelRequested', data: { reason: message } });
    }),
    deadlineExceeded: act(({ context, enqueue }) => {
      const message = 'saga deadline exceeded';
      enqueue.assign({ reason: { kind: 'deadline', message } });
      journal(enqueue, { type: 'CancelRequested', data: { reason: message, deadlineAt: context.deadlineAt } });
    }),
    startCompensation: act(({ context, enqueue }, { step }) => {
      const attempt = (context.compensationAttempts[step] ?? 0) + 1;
      enqueue.assign({
        compensationAttempts: { ...context.compensationAttempts, [step]: attempt },
        timers: without(context.timers, compensationBackoffTimer(step)),
      });
      journal(enqueue, { type: 'CompensationStarted', step, attempt });
    }),
    completeCompensation: act(({ context, enqueue }, { step }) => {
      enqueue.assign({ compensated: [...context.compensated, step] });
      journal(enqueue, { type: 'StepCompensated', step, attempt: context.compensationAttempts[step] ?? 1 });
    }),
    recordCompensationFailure: act(({ context, event, enqueue }, { step }) => {
      const attempt = context.compensationAttempts[step] ?? 1;
      const failure = errorOf(event);
      enqueue.assign({ errors: recordError(context, step, 'compensate', attempt, failure) });
      journal(enqueue, { type: 'CompensationFailed', step, attempt, data: failure });
    }),
    scheduleCompensationRetry: act(({ context, enqueue }, { step }) => {
      const planned = plan.steps.get(step);
      const failedAttempt = context.compensationAttempts[step] ?? 1;
      const delayMs = planned === undefined ? 0 : backoffDelay(planned.compensationRetry, failedAttempt);
      const dueAt = Date.now() + delayMs;
      enqueue.assign({ timers: { ...context.timers, [compensationBackoffTimer(step)]: dueAt } });
      journal(enqueue, {
        type: 'StepRetryScheduled',
        step,
        attempt: failedAttempt + 1,
        data: { delayMs, dueAt, compensation: true },
      });
    }),
    sagaCompleted: act(({ context, enqueue }) => {
      enqueue.assign({ timers: {} });
      journal(enqueue, { type: 'SagaCompleted', data: { completed: context.completed } });
    }),
    sagaCompensated: act(({ context, enqueue }) => {
      enqueue.assign({ timers: {} });
      journal(enqueue, { type: 'SagaCompensated', data: { compensated: context.compensated, reason: context.reason } });
    }),
    sagaFailed: act(({ context, enqueue }) => {
      const step = context.failure?.step;
      journal(enqueue, { type: 'SagaFailed', ...(step === undefined ? {} : { step }), data: context.failure });
    }),
    manualRetry: act(({ context, enqueue }) => {
      const failure = context.failure;
      if (failure === null) return;
      const group = plan.entries.find((e) => e.name === failure.state);
      const names = group?.kind === 'parallel' ? group.branches.map((b) => b.name) : [failure.state];
      const reset = (counts: Record<string, number>) =>
        Object.fromEntries(Object.entries(counts).filter(([name]) => !names.includes(name)));
      enqueue.assign(
        failure.phase === 'Running'
          ? { attempts: reset(context.attempts) }
          : { compensationAttempts: reset(context.compensationAttempts) },
      );
      enqueue.assign({ failure: null, failedGroups: context.failedGroups.filter((g) => g !== failure.state) });
      journal(enqueue, {
        type: 'ManualRetry',
        step: failure.step,
        data: { phase: failure.phase, state: failure.state },
      });
    }),
  };
}

/** Records where the saga stopped; `params.state` is the child of Running/Compensating to resume at. */
export function createMarkFailed() {
  return enqueueActions<
    SagaContext,
    SagaEvent,
    { phase: 'Running' | 'Compensating'; state: string },
    SagaEvent,
    never,
    never,
    never,
    never,
    JournalEmitted
  >(({ context, enqueue }, { phase, state }) => {
    const last = context.errors.at(-1);
    const step = last?.step ?? state;
    const attempts = (phase === 'Running' ? context.attempts : context.compensationAttempts)[step] ?? 1;
    enqueue.assign({
      failure: {
        phase,
        state,
        step,
        message: last?.message ?? 'failed',
        errorName: last?.name ?? 'Error',
        attempts,
      },
    });
  });
}
