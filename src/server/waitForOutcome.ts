import type { IncomingMessage, ServerResponse } from 'node:http';
import { SagaError } from '../definition/errors.js';
import type { ExecutionView } from '../runtime/ExecutionView.js';
import type { SagaEngine } from '../runtime/SagaEngine.js';
import { SETTLED_STATUSES } from '../store/SagaStore.js';
import { HttpError } from './HttpError.js';
import { sendJson } from './sendJson.js';

/** The longest `wait` a request may ask for unless the server says otherwise. */
export const DEFAULT_MAX_WAIT_MS = 30_000;

/**
 * A request's `?wait=ms` (the query value as parsed, `raw`): undefined when
 * absent, else a whole number of ms up to the server's maximum (a 400 that
 * names the maximum otherwise).
 */
export function waitParam(raw: unknown, maxWaitMs: number): number | undefined {
  if (raw === undefined) return undefined;
  const ms = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(ms) || ms > maxWaitMs) {
    throw new HttpError(400, 'INVALID_REQUEST', `query.wait: use a whole number of ms from 0 to ${maxWaitMs}`, {
      issues: [{ field: 'query.wait', message: `a whole number of ms from 0 to ${maxWaitMs}` }],
    });
  }
  return ms;
}

/**
 * Answers with the execution once it settles (200), or with its state when
 * the wait runs out first (202, with where to follow it). A client that goes
 * away stops the wait and nothing else: the execution goes on.
 */
export async function respondWhenSettled(
  engine: SagaEngine,
  id: string,
  waitMs: number,
  req: IncomingMessage,
  res: ServerResponse,
  extra: Record<string, unknown> = {},
  /** How the view is shown (the app adds what it waits for). */
  present: (view: ExecutionView) => object = (view) => view,
): Promise<void> {
  const settled = await settledWithin(engine, id, waitMs, req);
  if (res.writableEnded || req.socket.destroyed) return;
  const view = settled ?? (await engine.get(id));
  if (SETTLED_STATUSES.includes(view.status)) {
    sendJson(res, 200, { ...present(view), ...extra });
    return;
  }
  const self = `/api/executions/${encodeURIComponent(id)}`;
  sendJson(
    res,
    202,
    { ...present(view), ...extra, follow: { poll: `${self}?wait=${waitMs}`, stream: `${self}/stream` } },
    { Location: self },
  );
}

async function settledWithin(
  engine: SagaEngine,
  id: string,
  waitMs: number,
  req: IncomingMessage,
): Promise<ExecutionView | undefined> {
  if (waitMs === 0) return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onClose: (() => void) | undefined;
  const outcome = engine.waitFor(id).catch((error: unknown) => {
    // Not held here (e.g. another engine moves it): answer with its current state.
    if (error instanceof SagaError) return undefined;
    throw error;
  });
  const gaveUp = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), waitMs);
    onClose = () => resolve(undefined);
    req.once('close', onClose);
  });
  try {
    return await Promise.race([outcome, gaveUp]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (onClose !== undefined) req.off('close', onClose);
  }
}
