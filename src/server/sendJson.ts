import type { ServerResponse } from 'node:http';

/**
 * Writes `body` as a JSON response in one call: serialised once, with its
 * length up front so the connection stays open for the client's next request.
 * Unlike `res.json` it computes no ETag: an execution's answer changes with
 * every transition, so no client can revalidate it, and hashing every body
 * costs CPU on the path every saga takes.
 *
 * @example
 * sendJson(res, 200, view);
 * sendJson(res, 202, view, { Location: `/api/executions/${id}` });
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}
