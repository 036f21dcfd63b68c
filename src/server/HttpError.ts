import { SagaError } from '../definition/errors.js';
import { jsonProblem } from './jsonBody.js';

/** An error the API reports with a status, a stable code and details. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** A body longer than the server accepts, with the limit when it is known. */
export const bodyTooLarge = (limitBytes?: number) =>
  new HttpError(
    413,
    'BODY_TOO_LARGE',
    limitBytes === undefined
      ? 'The request body is over the limit'
      : `The request body is over the limit of ${limitBytes} bytes`,
  );

/** A body that is not JSON (or, strictly, not an object or array), with what is wrong and where. */
export const invalidJson = (problem: string) =>
  new HttpError(400, 'INVALID_JSON', `The request body is not valid JSON: ${problem}`);

const STATUS_BY_CODE: Record<string, number> = {
  SAGA_INPUT: 400,
  SAGA_DEFINITION: 400,
  UNKNOWN_SAGA: 404,
  EXECUTION_NOT_FOUND: 404,
  UNKNOWN_CHOREOGRAPHY: 404,
  INSTANCE_NOT_FOUND: 404,
  INVALID_OPERATION: 409,
  DEFINITION_MISMATCH: 409,
  STORE: 503,
};

/** The JSON body `{ error: { code, message, details } }` and the status for any thrown value. */
export function errorResponse(error: unknown): {
  status: number;
  body: { error: { code: string; message: string; details?: unknown } };
} {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details === undefined ? {} : { details: error.details }),
        },
      },
    };
  }
  if (error instanceof SagaError) {
    const details = 'issues' in error ? { issues: (error as { issues: unknown }).issues } : undefined;
    return {
      status: STATUS_BY_CODE[error.code] ?? 500,
      body: { error: { code: error.code, message: error.message, ...(details === undefined ? {} : { details }) } },
    };
  }
  // express.json's errors.
  const body = error as { type?: string; status?: number; limit?: unknown } | undefined;
  if (body?.type === 'entity.too.large')
    return errorResponse(bodyTooLarge(typeof body.limit === 'number' ? body.limit : undefined));
  if (body?.type === 'entity.parse.failed') {
    // body-parser keeps the text it could not parse: say where it went wrong, as the direct routes do.
    const text = (error as { body?: unknown }).body;
    return errorResponse(invalidJson(jsonProblem(typeof text === 'string' ? text : '')));
  }
  if (typeof body?.status === 'number' && body.status >= 400 && body.status < 500) {
    return { status: body.status, body: { error: { code: 'BAD_REQUEST', message: (error as Error).message } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'Internal server error' } } };
}
