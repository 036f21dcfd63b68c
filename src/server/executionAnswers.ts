import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExecutionView } from '../runtime/ExecutionView.js';
import type { SagaEngine } from '../runtime/SagaEngine.js';
import { parseRequest, startBody } from './requestSchemas.js';
import { sendJson } from './sendJson.js';
import { respondWhenSettled, waitParam } from './waitForOutcome.js';

/** What answering a start or a read needs: the engine, the longest wait, and how views are shown. */
export interface Answering {
  readonly engine: SagaEngine;
  readonly maxWaitMs: number;
  readonly present: (view: ExecutionView) => object;
}

/**
 * `POST /api/executions`: starts the execution the body describes; answers at
 * once (201, or 200 for an idempotency key seen before) or, with `?wait`, once
 * it settles (200) or the wait runs out (202).
 */
export async function answerStart(
  answering: Answering,
  body: unknown,
  wait: unknown,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { engine, maxWaitMs, present } = answering;
  const { saga, input, ...options } = parseRequest(startBody, body, 'body');
  const waitMs = waitParam(wait, maxWaitMs);
  const started = await engine.execute(saga, input, options);
  if (waitMs === undefined) sendJson(res, started.existing ? 200 : 201, started);
  else await respondWhenSettled(engine, started.id, waitMs, req, res, { existing: started.existing }, present);
}

/** `GET /api/executions/:id`: the execution now or, with `?wait` (long-poll), once it settles. */
export async function answerRead(
  answering: Answering,
  id: string,
  wait: unknown,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { engine, maxWaitMs, present } = answering;
  const waitMs = waitParam(wait, maxWaitMs);
  const view = await engine.get(id);
  if (waitMs === undefined) sendJson(res, 200, present(view));
  else await respondWhenSettled(engine, view.id, waitMs, req, res, {}, present);
}
