import { InvalidOperationError } from '../definition/errors.js';

export interface ExecuteOptions {
  /** Your own id for the execution; starting twice with it returns the first execution. */
  readonly executionId?: string | undefined;
  /** Starting twice with the same key returns the first execution. */
  readonly idempotencyKey?: string | undefined;
  /** A deadline for this execution, overriding the definition's `deadlineMs`. */
  readonly deadlineMs?: number | undefined;
}

/** What a caller-given execution id may look like. */
export const EXECUTION_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** @internal */
export function checkExecuteOptions(options: ExecuteOptions): void {
  const { executionId, idempotencyKey, deadlineMs } = options;
  if (executionId !== undefined && (typeof executionId !== 'string' || !EXECUTION_ID.test(executionId))) {
    throw new InvalidOperationError(
      `Invalid executionId ${JSON.stringify(executionId)}: use 1-128 letters, digits, '.', '_', ':' or '-'`,
    );
  }
  if (
    idempotencyKey !== undefined &&
    (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0 || idempotencyKey.length > 256)
  ) {
    throw new InvalidOperationError('Invalid idempotencyKey: use a string of 1-256 characters');
  }
  if (deadlineMs !== undefined && (!Number.isInteger(deadlineMs) || deadlineMs <= 0)) {
    throw new InvalidOperationError(`Invalid deadlineMs ${String(deadlineMs)}: use a positive whole number of ms`);
  }
}
