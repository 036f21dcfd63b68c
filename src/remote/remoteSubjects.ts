import type { StepDefinition } from '../definition/types.js';
import { remoteCallOf } from './remote.js';

/** The subjects a remote step sends on: each only when that function was made with `remote()`. */
export interface RemoteSubjects {
  /** Where the step's command goes, e.g. `orders.create`. */
  readonly run?: string;
  /** Where its compensation's command goes, e.g. `orders.cancel`. */
  readonly compensate?: string;
}

/**
 * The subjects of a step's remote `run` and `compensate`, for the API and the
 * diagrams to show which steps run in another service; undefined for a local step.
 *
 * @example
 * remoteSubjects(step('reserve', { run: remote('stock.reserve'), compensate: 'none' }));
 * // { run: 'stock.reserve' }
 * @internal
 */
export function remoteSubjects(step: Pick<StepDefinition, 'options'>): RemoteSubjects | undefined {
  const run = remoteCallOf(step.options.run)?.subject;
  const compensate = remoteCallOf(step.options.compensate)?.subject;
  if (run === undefined && compensate === undefined) return undefined;
  return { ...(run === undefined ? {} : { run }), ...(compensate === undefined ? {} : { compensate }) };
}
