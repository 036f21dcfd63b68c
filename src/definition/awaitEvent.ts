import type { AwaitEventDefinition, AwaitEventOptions } from './types.js';

/**
 * Declares a wait for an external event sent with `engine.send`; the event's
 * `data` (validated by `schema` when given) becomes the step's result.
 *
 * @example
 * awaitEvent('fraudCheck', { event: 'fraud.cleared', schema: z.object({ score: z.number() }), timeoutMs: 60_000 })
 */
export function awaitEvent<TName extends string, TData = unknown>(
  name: TName,
  options: AwaitEventOptions<TData>,
): AwaitEventDefinition<TName, TData> {
  return { kind: 'awaitEvent', name, options };
}
