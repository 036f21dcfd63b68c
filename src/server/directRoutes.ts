import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerRead, answerStart, type Answering } from './executionAnswers.js';
import { errorResponse, invalidJson, type HttpError } from './HttpError.js';
import { parseJsonText } from './jsonBody.js';
import type { Refusal } from './Refusal.js';
import { sendJson } from './sendJson.js';

export interface DirectRouteOptions extends Answering {
  /** Largest body read, in bytes. */
  readonly bodyLimitBytes: number;
  /** The Host check (DNS rebinding). */
  readonly host: Refusal;
  /** The token check for writes and for reads; undefined where none is asked. */
  readonly writing: Refusal | undefined;
  readonly reading: Refusal | undefined;
  /** With CORS origins allowed, answers vary by Origin (as the app's origin policy says). */
  readonly varyOrigin: boolean;
}

const START = '/api/executions';
/** An execution id as the engine accepts it (EXECUTION_ID): nothing in it needs decoding. */
const ONE_EXECUTION = /^\/api\/executions\/([A-Za-z0-9][A-Za-z0-9._:-]{0,127})$/;
/** No query, or `wait` alone with digits the way waitParam reads them. */
const WAIT_ONLY = /^(?:wait=(\d{1,9}))?$/;
const JSON_TYPE = /^application\/json\s*(?:;\s*charset="?utf-8"?\s*)?$/i;

/**
 * The two requests every saga makes over HTTP — start it (`POST
 * /api/executions`, with or without `?wait`) and read it (`GET
 * /api/executions/:id`, a long-poll with `?wait`) — answered without express's
 * router, middleware chain and body parser: serve made 1.14× the sagas/s at
 * concurrency 50 without them (BENCHMARKS.md, "Over HTTP").
 *
 * Only plain requests come here; anything else about one (an Origin header, a
 * Content-Type other than JSON in UTF-8, a Content-Encoding, a body without a
 * Content-Length or over the limit, another query parameter, an id that needs
 * decoding, HEAD) leaves it to the express app, which answers every request.
 * What both do is shared: the Host and token checks are the same functions as
 * the app's middleware, the answers are executionAnswers.ts, and errors are
 * rendered by errorResponse. Checks run in the app's order: Host, body, token.
 *
 * @returns a request handler that says whether it took the request.
 */
export function directRoutes(options: DirectRouteOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.headers.origin !== undefined) return false;
    const url = req.url ?? '';
    const mark = url.indexOf('?');
    const path = mark === -1 ? url : url.slice(0, mark);
    const query = WAIT_ONLY.exec(mark === -1 ? '' : url.slice(mark + 1));
    if (query === null) return false;
    const wait = query[1];
    const one = req.method === 'GET' ? ONE_EXECUTION.exec(path)?.[1] : undefined;
    const start = req.method === 'POST' && path === START && isPlainJsonBody(req, options.bodyLimitBytes);
    if (one === undefined && !start) return false;
    // Taken: from here on it is answered here, as the app would.
    if (options.varyOrigin) res.setHeader('Vary', 'Origin');
    const refused = options.host(req) ?? (one === undefined ? undefined : options.reading?.(req));
    if (refused !== undefined) fail(req, res, refused);
    else if (one !== undefined)
      answerRead(options, one, wait, req, res).catch((error: unknown) => fail(req, res, error));
    else
      readJson(
        req,
        (body) => {
          const unauthorised = options.writing?.(req);
          if (unauthorised !== undefined) fail(req, res, unauthorised);
          else answerStart(options, body, wait, req, res).catch((error: unknown) => fail(req, res, error));
        },
        (error) => fail(req, res, error),
      );
    return true;
  };
}

/** Whether the body is JSON in UTF-8, unencoded, with a Content-Length within the limit. */
function isPlainJsonBody(req: IncomingMessage, limit: number): boolean {
  const { headers } = req;
  if (headers['transfer-encoding'] !== undefined || headers['content-encoding'] !== undefined) return false;
  if (!JSON_TYPE.test(headers['content-type'] ?? '')) return false;
  const length = Number(headers['content-length']);
  return Number.isInteger(length) && length >= 0 && length <= limit;
}

/**
 * Reads the body and parses it as express.json does (test/server/directRoutes.test.ts
 * sends the same bodies both ways): an empty body is `{}`, and only an object or
 * an array is JSON here (strict). A client that goes away mid-body gets no
 * answer and leaves nothing behind.
 */
function readJson(req: IncomingMessage, then: (body: unknown) => void, failed: (error: HttpError) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  // Gone mid-body: there is no one to answer, and nothing was started.
  req.on('error', () => undefined);
  req.on('end', () => {
    const decoded = Buffer.concat(chunks).toString('utf8');
    // A byte order mark is dropped, as express.json's decoder drops it.
    const text = decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
    if (text.length === 0) return then({});
    const parsed = parseJsonText(text);
    if ('problem' in parsed) failed(invalidJson(parsed.problem));
    else then(parsed.value);
  });
}

/** Answers with the error, as the app's error handler does; to a client still there. */
function fail(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  if (req.socket.destroyed) return;
  if (res.headersSent) {
    res.end();
    return;
  }
  const { status, body } = errorResponse(error);
  sendJson(res, status, body);
}
