import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from './HttpError.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Requires `Authorization: Bearer <token>` (the scheme in any case). Compares digests in constant time,
 * so neither the token nor its length leaks through timing.
 */
export function bearerAuth(token: string): RequestHandler {
  const expected = digest(token);
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    // The auth scheme is case-insensitive (RFC 9110 §11.1): "bearer x" is as good as "Bearer x".
    const match = /^bearer +(.+)$/i.exec(header);
    if (match?.[1] === undefined || !timingSafeEqual(digest(match[1]), expected)) {
      next(new HttpError(401, 'UNAUTHORIZED', 'Send Authorization: Bearer <SAGACHART_TOKEN>'));
      return;
    }
    next();
  };
}
