import type { z } from 'zod';
import { parallel } from './parallel.js';
import { step } from './step.js';
import type { ParallelDefinition, StepDefinition, StepOptions } from './types.js';

/**
 * `step` and `parallel` bound to a saga's input schema, so `ctx.input` is typed
 * inside `run` and `compensate`. (TypeScript cannot carry the schema from
 * `defineSaga` into nested `step()` calls by itself; plain `step` types `input` as `any`.)
 *
 * @example
 * const orderInput = z.object({ orderId: z.string() });
 * const { step } = stepsFor(orderInput);
 * step('createOrder', { run: ({ input }) => orders.create(input.orderId), compensate: cancel });
 */
export function stepsFor<TSchema extends z.ZodType>(_schema: TSchema) {
  type TInput = z.output<TSchema>;
  return {
    step: <TName extends string, TOutput>(
      name: TName,
      options: StepOptions<TInput, TOutput>,
    ): StepDefinition<TName, TOutput, TInput> => step(name, options),
    parallel: <TName extends string, const TBranches extends readonly StepDefinition<string, any, TInput>[]>(
      name: TName,
      branches: readonly [...TBranches],
    ): ParallelDefinition<TName, TBranches, TInput> => parallel<TName, TInput, TBranches>(name, branches),
  };
}
