import { SagaInputError } from '../definition/errors.js';
import { assertPlainJson } from '../definition/plainJson.js';

/** The longest cancel reason kept. */
export const MAX_REASON_LENGTH = 1_000;

/**
 * A caller's value checked as plain JSON within the limits and copied, so a
 * caller that mutates its object later cannot change what the engine holds.
 *
 * @internal
 */
export function copyPlainJson<T>(value: T, root: string, subject: string, context: { executionId?: string } = {}): T {
  assertPlainJson(value, root, subject, context);
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** A cancel reason must be a short string. @internal */
export function checkReason(id: string, reason: unknown): string {
  if (typeof reason !== 'string' || reason.length > MAX_REASON_LENGTH) {
    const what = typeof reason === 'string' ? `${reason.length} characters long` : `a ${typeof reason}`;
    throw new SagaInputError(
      `Cancel reason for execution "${id}" must be a string of at most ${MAX_REASON_LENGTH} characters; got ${what}`,
      [
        {
          path: ['reason'],
          message: `expected a string of at most ${MAX_REASON_LENGTH} characters`,
          code: 'invalid_type',
        },
      ],
      { executionId: id },
    );
  }
  return reason;
}
