import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from './HttpError.js';
import type { Refusal } from './Refusal.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Requires `Authorization: Bearer <token>` (the scheme in any case): the 401 to
 * answer, or undefined when the token matches. Compares digests in constant
 * time, so neither the token nor its length leaks through timing.
 */
export function bearerRefusal(token: string): Refusal {
  const expected = digest(token);
  return (req) => {
    const header = req.headers.authorization ?? '';
    // The auth scheme is case-insensitive (RFC 9110 §11.1): "bearer x" is as good as "Bearer x".
    const match = /^bearer +(.+)$/i.exec(header);
    if (match?.[1] === undefined || !timingSafeEqual(digest(match[1]), expected)) {
      return new HttpError(401, 'UNAUTHORIZED', 'Send Authorization: Bearer <SAGACHART_TOKEN>');
    }
    return undefined;
  };
}
