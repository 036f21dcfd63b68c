import type { RequestHandler } from 'express';
import { HttpError } from './HttpError.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const hasBody = (headers: NodeJS.Dict<string | string[]>): boolean =>
  headers['transfer-encoding'] !== undefined ||
  (headers['content-length'] !== undefined && headers['content-length'] !== '0');

/**
 * Refuses a write whose body is not `application/json` (415). Browsers send
 * `text/plain`, form and multipart bodies cross-origin without a preflight;
 * a JSON body needs one, so only JSON can be a deliberate API call. A write
 * with neither a body nor a Content-Type (e.g. `curl -X POST .../retry`) passes.
 */
export const jsonOnly: RequestHandler = (req, _res, next) => {
  const type = req.headers['content-type'];
  const mediaType = type?.split(';')[0]?.trim().toLowerCase();
  if (
    SAFE_METHODS.has(req.method) ||
    mediaType === 'application/json' ||
    (type === undefined && !hasBody(req.headers))
  ) {
    next();
    return;
  }
  next(
    new HttpError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `Send the body as JSON with Content-Type: application/json (got ${type === undefined ? 'no Content-Type' : `"${type}"`})`,
    ),
  );
};
