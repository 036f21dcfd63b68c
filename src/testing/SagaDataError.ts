import { SagaError } from '../definition/errors.js';

/**
 * sagachart/testing could not generate a valid value from a schema (its
 * refinements reject everything tried, or it holds types JSON cannot carry):
 * pass the value yourself (`input`, or `eventData` keyed by step name).
 *
 * @example
 * await runSagaPath(saga, path); // SagaDataError: cannot generate the input of "x" ... pass `input`
 */
export class SagaDataError extends SagaError {
  override readonly code = 'SAGA_DATA';
  override name = 'SagaDataError';
}
