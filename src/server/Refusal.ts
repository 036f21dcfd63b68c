import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { HttpError } from './HttpError.js';

/**
 * A check on who asks (Host, token): the error to answer, or undefined to go on.
 * The same check serves the express app (as middleware) and the direct routes.
 */
export type Refusal = (req: IncomingMessage) => HttpError | undefined;

/** The check as express middleware; no check lets every request through. */
export function refusing(refusal: Refusal | undefined): RequestHandler {
  if (refusal === undefined) return (_req, _res, next) => next();
  return (req, _res, next) => next(refusal(req));
}
