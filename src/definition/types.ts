import type { z } from 'zod';

declare const executionIdBrand: unique symbol;

/**
 * The id of one execution. The phantom type parameter carries the saga's
 * results type, so `engine.waitFor(id)` is typed when the id came from
 * `engine.execute(definition, input)`.
 */
export type ExecutionId<TResults = Record<string, unknown>> = string & {
  readonly [executionIdBrand]?: TResults;
};

/** How often and how patiently an attempt is retried. `maxAttempts` counts the first attempt. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly initialDelayMs?: number;
  readonly backoffFactor?: number;
  readonly maxDelayMs?: number;
}

/** Why compensation started: the error that failed the saga, a cancellation or the deadline. */
export interface CompensationReason {
  readonly kind: 'error' | 'cancelled' | 'deadline';
  readonly message: string;
  readonly step?: string;
  readonly name?: string;
}

/** What a step's `run` receives. */
export interface StepContext<TInput> {
  readonly input: TInput;
  /** Outputs of the steps that completed so far, by step name. */
  readonly results: Readonly<Record<string, unknown>>;
  /** `${executionId}:${stepName}`: the same on every attempt and after a resume. */
  readonly idempotencyKey: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Fires on timeout or cancellation. */
  readonly signal: AbortSignal;
  readonly executionId: ExecutionId;
  /**
   * The fencing token of the engine making this call: it grows each time another
   * engine takes the execution over (after a crash or a stall past its lease). A
   * participant that keeps the highest fence it has seen per key can refuse a call
   * with a lower one: it comes from a holder that was replaced. 0 outside an engine.
   */
  readonly fence: number;
}

/**
 * What a step's `compensate` receives. `outcome` says whether the step reported
 * back: `'completed'` with its `result`, or `'unknown'` (it timed out, or was
 * cancelled in flight) with no result — the participant may hold the effect or
 * not, so the compensation must treat "nothing to undo" as success.
 */
export type CompensationContext<TInput, TOutput> = StepContext<TInput> & {
  readonly reason: CompensationReason;
} & (
    | {
        readonly outcome: 'completed';
        /** This step's own output. */
        readonly result: TOutput;
      }
    | {
        readonly outcome: 'unknown';
        readonly result?: undefined;
      }
  );

// Method-style signatures are bivariant in their parameter, so a step whose run
// only throws (output `never`) still fits a saga's step list.
export type StepRun<TInput, TOutput> = {
  bivariance(ctx: StepContext<TInput>): TOutput | Promise<TOutput>;
}['bivariance'];
export type StepCompensate<TInput, TOutput> = {
  bivariance(ctx: CompensationContext<TInput, TOutput>): unknown;
}['bivariance'];

export interface StepOptions<TInput, TOutput> {
  readonly run: StepRun<TInput, TOutput>;
  /** Undo the step; `'none'` says explicitly that there is nothing to undo. */
  readonly compensate?: StepCompensate<TInput, Awaited<TOutput>> | 'none';
  readonly retry?: RetryPolicy;
  readonly compensationRetry?: RetryPolicy;
  /** Each attempt fails after this long; its `signal` fires. */
  readonly timeoutMs?: number;
  /** The point of no return: this step and the ones after it are never compensated. */
  readonly pivot?: boolean;
}

/** A step: one action with an optional compensation. */
export interface StepDefinition<TName extends string = string, TOutput = unknown, TInput = any> {
  readonly kind: 'step';
  readonly name: TName;
  readonly options: StepOptions<TInput, TOutput>;
  /** Phantom: the step's output type. Never set at runtime. */
  readonly __output?: Awaited<TOutput>;
}

export interface AwaitEventOptions<TData> {
  /** The event type the saga waits for, e.g. `fraud.cleared`. */
  readonly event: string;
  readonly schema?: z.ZodType<TData>;
  /** Waiting longer than this is a failure of this step. */
  readonly timeoutMs?: number;
}

/** A wait for an external event sent with `engine.send`. */
export interface AwaitEventDefinition<TName extends string = string, TData = unknown> {
  readonly kind: 'awaitEvent';
  readonly name: TName;
  readonly options: AwaitEventOptions<TData>;
  readonly __output?: TData;
}

/** Steps run side by side. */
export interface ParallelDefinition<
  TName extends string = string,
  TBranches extends readonly StepDefinition<string, unknown, TInput>[] = readonly StepDefinition[],
  TInput = any,
> {
  readonly kind: 'parallel';
  readonly name: TName;
  readonly branches: TBranches;
}

/** Anything that can stand in a saga's `steps` list. */
export type SagaStep<TInput = any> =
  | StepDefinition<string, any, TInput>
  | AwaitEventDefinition<string, any>
  | ParallelDefinition<string, readonly StepDefinition<string, any, TInput>[], TInput>;

export interface SagaOptions<TName extends string, TSchema extends z.ZodType, TSteps extends readonly SagaStep[]> {
  /** Lower-case words joined by dashes, e.g. `order-fulfillment`. */
  readonly name: TName;
  /** Bump it when the shape (steps, order, pivot) changes. */
  readonly version: number;
  readonly input: TSchema;
  readonly steps: TSteps;
  /** Saga-wide deadline from start; when it passes before the pivot, the saga compensates. */
  readonly deadlineMs?: number;
  readonly description?: string;
}

/** A validated saga definition, made by `defineSaga`. */
export interface SagaDefinition<
  TName extends string = string,
  TSchema extends z.ZodType = z.ZodType,
  TSteps extends readonly SagaStep[] = readonly SagaStep[],
> extends SagaOptions<TName, TSchema, TSteps> {
  /** A hash of the saga's shape; executions record it to refuse resuming on a changed shape. */
  readonly hash: string;
}

export type AnySagaDefinition = SagaDefinition<string, z.ZodType, readonly SagaStep[]>;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

type ResultsOfStep<S> =
  S extends StepDefinition<infer N, infer O>
    ? { [K in N]: Awaited<O> }
    : S extends AwaitEventDefinition<infer N, infer D>
      ? { [K in N]: D }
      : S extends ParallelDefinition<string, infer B>
        ? UnionToIntersection<ResultsOfStep<B[number]>>
        : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The results map of a saga that completed: every step's output by step name. */
export type ResultsFrom<TSaga> =
  TSaga extends SagaDefinition<string, z.ZodType, infer TSteps>
    ? Simplify<UnionToIntersection<ResultsOfStep<TSteps[number]>>>
    : Record<string, unknown>;

/** The input type a saga accepts (before its schema's defaults and transforms). */
export type InputFrom<TSaga> = TSaga extends SagaDefinition<string, infer S> ? z.input<S> : never;
