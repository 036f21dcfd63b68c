import type { RequestHandler } from 'express';
import { HttpError } from './HttpError.js';

/**
 * The canonical form of an origin given to `--cors`, or an error naming what
 * is wrong with it.
 */
export function parseCorsOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`"${value}" is not an origin: write it as scheme://host[:port], e.g. https://app.example.com`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin === 'null') {
    throw new TypeError(`"${value}" is not an http(s) origin`);
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new TypeError(`"${value}" is not an origin: give only scheme://host[:port], without a path`);
  }
  return url.origin;
}

/** Whether `origin` names the host the request was sent to (the page was served by this server). */
function isOwnOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    const url = new URL(origin);
    // Parsing the Host with the origin's scheme drops a default port the same way the origin did.
    return new URL(`${url.protocol}//${host}`).host === url.host;
  } catch {
    return false;
  }
}

/**
 * Refuses requests sent by pages of other origins (403), so that a web page
 * cannot start or cancel executions, or read them, through a visitor's
 * browser. Requests without an `Origin` header (curl, the CLI, same-origin
 * navigations) pass. Origins listed in `allowed` pass too, with the CORS
 * headers their pages need, and their preflight requests are answered here.
 */
export function originPolicy(allowed: readonly string[]): RequestHandler {
  const origins = new Set(allowed.map(parseCorsOrigin));
  return (req, res, next) => {
    if (origins.size > 0) res.vary('Origin');
    const origin = req.get('origin');
    if (origin === undefined || isOwnOrigin(origin, req.headers.host)) {
      next();
      return;
    }
    if (!origins.has(origin)) {
      next(
        new HttpError(
          403,
          'FORBIDDEN_ORIGIN',
          `Requests from pages on ${origin} are refused; start the server with --cors ${origin} to allow them`,
        ),
      );
      return;
    }
    res.set('Access-Control-Allow-Origin', origin);
    if (req.method === 'OPTIONS') {
      res
        .set({
          'Access-Control-Allow-Methods': 'GET, POST',
          'Access-Control-Allow-Headers': 'Authorization, Content-Type, Last-Event-ID',
          'Access-Control-Max-Age': '600',
        })
        .status(204)
        .end();
      return;
    }
    next();
  };
}
