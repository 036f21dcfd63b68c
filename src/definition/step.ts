import type { StepDefinition, StepOptions } from './types.js';

/**
 * Declares a step: `run` does the work, `compensate` undoes it.
 *
 * @example
 * step('chargePayment', {
 *   run: ({ input, idempotencyKey }) => payments.charge(input.amount, idempotencyKey),
 *   compensate: ({ result }) => payments.refund(result.chargeId),
 *   retry: { maxAttempts: 3, initialDelayMs: 100, backoffFactor: 2 },
 * })
 */
export function step<TName extends string, TOutput, TInput = any>(
  name: TName,
  options: StepOptions<TInput, TOutput>,
): StepDefinition<TName, TOutput, TInput> {
  return { kind: 'step', name, options };
}
