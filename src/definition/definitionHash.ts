import { createHash } from 'node:crypto';
import type { SagaStep } from './types.js';

const CHART_LAYOUT = 1;

function shapeOf(entry: SagaStep): unknown {
  switch (entry.kind) {
    case 'step':
      return {
        step: entry.name,
        pivot: entry.options.pivot === true,
        compensable: typeof entry.options.compensate === 'function',
        timeout: entry.options.timeoutMs !== undefined,
      };
    case 'awaitEvent':
      return { awaitEvent: entry.name, event: entry.options.event, timeout: entry.options.timeoutMs !== undefined };
    case 'parallel':
      return { parallel: entry.name, branches: entry.branches.map(shapeOf) };
  }
}

/**
 * A short hash of the parts of a definition that decide the statechart's
 * states: names, kinds, order, pivot, compensations, timeouts. Retry numbers
 * and step code can change freely; a change of shape needs a version bump.
 *
 * @internal
 */
export function definitionHash(name: string, steps: readonly SagaStep[], hasDeadline: boolean): string {
  // Bump CHART_LAYOUT when the compiler lays out states differently: old snapshots would not restore.
  const shape = JSON.stringify({ layout: CHART_LAYOUT, name, deadline: hasDeadline, steps: steps.map(shapeOf) });
  return createHash('sha256').update(shape).digest('hex').slice(0, 16);
}
