import type { CompensationReason } from '../definition/types.js';

/** One failure, as kept in the execution's context and journal. */
export interface ErrorRecord {
  readonly step: string;
  readonly phase: 'run' | 'compensate' | 'wait';
  readonly attempt: number;
  readonly name: string;
  readonly message: string;
  readonly at: number;
  /** The step asked not to be retried (PermanentError). */
  readonly permanent?: boolean;
}

/** Where a Failed execution stopped, so `retry` can resume exactly there. */
export interface FailurePoint {
  readonly phase: 'Running' | 'Compensating';
  /** The child state of `Running` or `Compensating` to re-enter: a step or a parallel group. */
  readonly state: string;
  readonly step: string;
  /** The error that made the step or compensation give up. */
  readonly message: string;
  readonly errorName: string;
  /** How many attempts were made before giving up. */
  readonly attempts: number;
}

/** The statechart's context: everything an execution needs to resume. */
export interface SagaContext {
  readonly executionId: string;
  readonly input: unknown;
  readonly results: Record<string, unknown>;
  /** Steps that completed, in completion order. */
  readonly completed: readonly string[];
  /**
   * Steps whose outcome is unknown: an attempt timed out, or was cancelled in
   * flight, and the step never completed. They are compensated too.
   */
  readonly unknown: readonly string[];
  /** Steps whose compensation completed, in order. */
  readonly compensated: readonly string[];
  readonly attempts: Record<string, number>;
  readonly compensationAttempts: Record<string, number>;
  readonly errors: readonly ErrorRecord[];
  /** Absolute due times (epoch ms) of the durable timers, by timer key. */
  readonly timers: Record<string, number>;
  readonly deadlineAt: number | null;
  /** Why the saga is compensating. */
  readonly reason: CompensationReason | null;
  readonly failure: FailurePoint | null;
  /** Parallel groups in which a branch (or a branch's compensation) failed for good. */
  readonly failedGroups: readonly string[];
  /** The execution's trace (W3C ids), so spans of resumed work join it. */
  readonly trace: { readonly traceId: string; readonly spanId: string; readonly traceFlags: number } | null;
}

/** What the machine is started with. */
export interface SagaMachineInput {
  readonly executionId: string;
  readonly input: unknown;
  readonly deadlineAt?: number | null;
  readonly trace?: SagaContext['trace'];
}

/** Events the chart reacts to besides awaited events and actor completions. */
export interface SagaEvent {
  readonly type: string;
  readonly data?: unknown;
  readonly reason?: string;
  readonly output?: unknown;
  readonly error?: unknown;
}

export const CANCEL_EVENT = 'saga.cancel';
export const RETRY_EVENT = 'saga.retry';
export const DEADLINE_EVENT = 'saga.deadline';

export const timeoutEvent = (step: string): string => `saga.timeout.${step}`;
export const backoffEvent = (step: string): string => `saga.backoff.${step}`;
export const compensationBackoffEvent = (step: string): string => `saga.compensation-backoff.${step}`;
/** A remote step's reply, applied through the inbox: `ok` completes the attempt, else it failed. */
export const replyEvent = (step: string, kind: 'run' | 'compensate', ok: boolean): string =>
  `saga.reply.${kind}.${ok ? 'done' : 'error'}.${step}`;

export const timeoutTimer = (step: string): string => `timeout:${step}`;
export const backoffTimer = (step: string): string => `backoff:${step}`;
export const compensationBackoffTimer = (step: string): string => `compensation-backoff:${step}`;

/** @internal */
export function initialContext(input: SagaMachineInput): SagaContext {
  return {
    executionId: input.executionId,
    input: input.input,
    results: {},
    completed: [],
    unknown: [],
    compensated: [],
    attempts: {},
    compensationAttempts: {},
    errors: [],
    timers: {},
    deadlineAt: input.deadlineAt ?? null,
    reason: null,
    failure: null,
    failedGroups: [],
    trace: input.trace ?? null,
  };
}
