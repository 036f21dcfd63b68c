import { PermanentError } from '../definition/errors.js';
import { plainJsonIssue, safeMessage } from '../definition/plainJson.js';

/**
 * A step's output (or a remote command's payload) as the JSON it will be stored as;
 * refused (PermanentError) past the limits.
 *
 * @internal
 */
export function toJson(step: string, output: unknown, what = 'returned a value'): unknown {
  if (output === undefined) return null;
  let json: unknown;
  try {
    json = JSON.parse(JSON.stringify(output)) as unknown;
  } catch (error) {
    throw new PermanentError(`Step "${step}" ${what} that is not JSON-serialisable: ${safeMessage(error)}`, {
      cause: error,
    });
  }
  const issue = plainJsonIssue(json ?? null);
  if (issue !== undefined) {
    const where = ['output', ...issue.path.map(String)].join('.');
    throw new PermanentError(`Step "${step}" ${what} that cannot be stored: ${where} ${issue.message}`);
  }
  return json ?? null;
}
