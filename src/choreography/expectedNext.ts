import type { ChoreographyInstance } from './ChoreographyInstance.js';
import type { ChoreographyDefinition } from './defineChoreography.js';

/**
 * The events that would move an instance on: the current stage's event (or its
 * failure), the compensating events still missing, nothing once it ended.
 *
 * @example
 * expectedNext(orders, instance); // ['PaymentProcessed', 'PaymentFailed']
 */
export function expectedNext(
  definition: ChoreographyDefinition,
  instance: Pick<ChoreographyInstance, 'status' | 'state' | 'awaitingCompensation'>,
): string[] {
  if (instance.status === 'Compensating') return [...instance.awaitingCompensation];
  if (instance.status !== 'Running' || typeof instance.state !== 'string') return [];
  const stage = definition.flow.find((s) => `awaiting ${s.event}` === instance.state);
  if (stage === undefined) return [];
  return stage.failure === undefined ? [stage.event] : [stage.event, stage.failure];
}
