import type { z } from 'zod';
import { definitionHash } from './definitionHash.js';
import type { SagaDefinition, SagaOptions, SagaStep } from './types.js';
import { validateDefinition } from './validateDefinition.js';

/**
 * Defines a saga: an ordered list of steps with compensations. The definition
 * is validated at once; a broken rule throws `SagaDefinitionError`.
 *
 * @example
 * export const orderFulfillment = defineSaga({
 *   name: 'order-fulfillment',
 *   version: 1,
 *   input: z.object({ orderId: z.string(), amount: z.number().positive() }),
 *   steps: [
 *     step('reserveInventory', { run: reserve, compensate: release }),
 *     step('chargePayment', { run: charge, compensate: refund, retry: { maxAttempts: 3 } }),
 *     step('confirmOrder', { run: confirm, pivot: true }),
 *   ],
 * });
 */
export function defineSaga<
  const TName extends string,
  TSchema extends z.ZodType,
  const TSteps extends readonly SagaStep<z.output<TSchema>>[],
>(options: SagaOptions<TName, TSchema, TSteps>): SagaDefinition<TName, TSchema, TSteps> {
  validateDefinition(options);
  return Object.freeze({
    ...options,
    hash: definitionHash(options.name, options.steps, options.deadlineMs !== undefined),
  });
}
