import { SagaError } from '../definition/errors.js';

/** A path broke one of the saga invariants; names the path, the invariant and the first divergence. */
export class SagaPathViolation extends SagaError {
  override readonly code = 'SAGA_PATH_VIOLATION';
  override name = 'SagaPathViolation';

  constructor(
    readonly path: string,
    readonly invariant: string,
    readonly divergence: string,
    executionId: string,
  ) {
    super(`Path "${path}" broke "${invariant}": ${divergence}`, { executionId });
  }
}
