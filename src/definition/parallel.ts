import type { ParallelDefinition, StepDefinition } from './types.js';

/**
 * Declares steps that run side by side. When one fails for good, the others
 * are let finish (no new retries start), then every finished one is compensated.
 *
 * @example
 * parallel('fulfil', [step('ship', { run: ship }), step('email', { run: email })])
 */
export function parallel<
  TName extends string,
  TInput,
  const TBranches extends readonly StepDefinition<string, any, TInput>[],
>(name: TName, branches: readonly [...TBranches]): ParallelDefinition<TName, TBranches, TInput> {
  return { kind: 'parallel', name, branches: branches as TBranches };
}
