import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { ChoreographyBoard } from '../choreography/ChoreographyBoard.js';
import type { SagaEngine } from '../runtime/SagaEngine.js';
import type { ExecutionStatus } from '../store/SagaStore.js';
import { bearerRefusal } from './bearerAuth.js';
import { chartJson } from './chartJson.js';
import { checkAppOptions } from './checkAppOptions.js';
import { directRoutes } from './directRoutes.js';
import { answerRead, answerStart, type Answering } from './executionAnswers.js';
import { choreographyRoutes } from './choreographyRoutes.js';
import { errorResponse, HttpError } from './HttpError.js';
import { jsonOnly } from './jsonOnly.js';
import { loopbackHostRefusal } from './loopbackHost.js';
import { originPolicy } from './originPolicy.js';
import { PrometheusMetrics } from './PrometheusMetrics.js';
import { refusing } from './Refusal.js';
import { cancelBody, journalQuery, listQuery, parseRequest, retryBody, sendBody } from './requestSchemas.js';
import { sagaSummary } from './sagaSummary.js';
import { sendJson } from './sendJson.js';
import { SseStreams } from './SseStreams.js';
import { DEFAULT_MAX_WAIT_MS, respondWhenSettled, waitParam } from './waitForOutcome.js';
import { withWaiting } from './withWaiting.js';

// The inspector's icon, so a browser's request for /favicon.ico is not a 404.
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1f2937"/>' +
  '<path d="M7 11h12M7 11l4-4M25 21H13M25 21l-4 4" stroke="#38bdf8" stroke-width="3" fill="none" stroke-linecap="round"/></svg>';

export interface AppOptions {
  readonly engine: SagaEngine;
  /** When set, mutating routes need `Authorization: Bearer <token>`. */
  readonly token?: string | undefined;
  /** With a token: protect reads too. */
  readonly authAll?: boolean;
  /** Largest accepted JSON body in bytes; 1 MiB by default. */
  readonly bodyLimitBytes?: number;
  /** A folder of static files served at `/` (the inspector). */
  readonly staticDir?: string | undefined;
  /**
   * Origins (`scheme://host[:port]`) whose pages may call the API from a
   * browser. Requests from any other origin but the server's own are refused.
   */
  readonly cors?: readonly string[] | undefined;
  /**
   * The address the server listens on. On a loopback address (and, when not
   * given, on connections that arrive over loopback) requests must name a
   * loopback Host: DNS rebinding is refused.
   */
  readonly host?: string | undefined;
  /** Bytes that may wait for one slow SSE client before it is dropped; 1 MiB by default. */
  readonly sseBufferBytes?: number | undefined;
  /** The longest `?wait=ms` a request may ask for; 30 s by default. */
  readonly maxWaitMs?: number | undefined;
  /** The choreographies shown beside the executions (`/api/choreographies`). */
  readonly choreographies?: ChoreographyBoard | undefined;
}

type Handler = (req: Request, res: Response) => Promise<void> | void;

// Express 5 forwards rejected promises to the error handler; this keeps the types honest.
const route =
  (handler: Handler): RequestHandler =>
  (req, res, next) => {
    Promise.resolve(handler(req, res)).catch(next);
  };

const param = (req: Request, name: string): string => String(req.params[name] ?? '');

/**
 * The HTTP API: REST under /api, SSE streams, /metrics and /healthz.
 *
 * @example
 * const { app, close } = createApp({ engine, token: process.env.SAGACHART_TOKEN });
 * app.listen(3000, '127.0.0.1');
 */
export function createApp(options: AppOptions) {
  checkAppOptions(options);
  const { engine } = options;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const streams = new SseStreams(engine, { bufferBytes: options.sseBufferBytes });
  const metrics = new PrometheusMetrics(engine, () => streams.stats());
  const described = withWaiting(engine);
  const app = express();
  app.disable('x-powered-by');
  // Who may ask comes before what is asked: Host, then Origin, then the body's type.
  const bodyLimitBytes = options.bodyLimitBytes ?? 1024 * 1024;
  // The checks on who asks, one each, for the app's middleware and the direct routes alike.
  const hostRefusal = loopbackHostRefusal(options.host);
  const writeRefusal = options.token === undefined || options.token === '' ? undefined : bearerRefusal(options.token);
  const readRefusal = options.authAll === true ? writeRefusal : undefined;
  app.use(refusing(hostRefusal));
  app.use(originPolicy(options.cors ?? []));
  app.use('/api', jsonOnly);
  app.use(express.json({ limit: bodyLimitBytes, type: 'application/json' }));

  const mutating = refusing(writeRefusal);
  const reading = refusing(readRefusal);
  const answering: Answering = { engine, maxWaitMs, present: described };
  const direct = directRoutes({
    ...answering,
    bodyLimitBytes,
    host: hostRefusal,
    writing: writeRefusal,
    reading: readRefusal,
    varyOrigin: (options.cors ?? []).length > 0,
  });

  /** After an operation: the execution now, or (with `?wait`) once it settles. */
  const answer = async (id: string, wait: number | undefined, req: Request, res: Response): Promise<void> => {
    if (wait === undefined) sendJson(res, 200, described(await engine.get(id)));
    else await respondWhenSettled(engine, id, wait, req, res, {}, described);
  };

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get(
    '/metrics',
    reading,
    route(async (_req, res) => {
      res.type('text/plain; version=0.0.4').send(await metrics.render());
    }),
  );

  app.get('/favicon.ico', (_req, res) => {
    res.type('image/svg+xml').set('cache-control', 'max-age=86400').send(FAVICON);
  });
  app.get('/api/sagas', reading, (_req, res) => {
    res.json({ items: engine.sagas().map(sagaSummary) });
  });
  app.get('/api/sagas/:name', reading, (req, res) => {
    res.json(sagaSummary(engine.definition(param(req, 'name'))));
  });
  app.get('/api/sagas/:name/chart', reading, (req, res) => {
    res.json(chartJson(engine.machine(param(req, 'name'))));
  });

  choreographyRoutes(app, reading, options.choreographies);

  app.post(
    '/api/executions',
    mutating,
    route((req, res) => answerStart(answering, req.body, req.query['wait'], req, res)),
  );
  app.get(
    '/api/executions',
    reading,
    route(async (req, res) => {
      const query = parseRequest(listQuery, req.query, 'query');
      const { status, inputField, inputValue, ...rest } = query;
      const page = await engine.list({
        ...rest,
        ...(inputField === undefined || inputValue === undefined
          ? {}
          : { inputField: { path: inputField, value: inputValue } }),
        ...(status === undefined ? {} : { status: status as ExecutionStatus | ExecutionStatus[] }),
      });
      res.json({ items: page.items.map(described), nextCursor: page.nextCursor });
    }),
  );
  app.get(
    '/api/engines',
    reading,
    route(async (_req, res) => {
      res.json({ items: await engine.engines() });
    }),
  );
  app.get(
    '/api/counts',
    reading,
    route(async (_req, res) => {
      // From the store, like /metrics: every execution counts, not one page of them.
      res.json({ items: await engine.counts() });
    }),
  );
  app.get(
    '/api/executions/:id',
    reading,
    route((req, res) => answerRead(answering, param(req, 'id'), req.query['wait'], req, res)),
  );
  app.get(
    '/api/executions/:id/journal',
    reading,
    route(async (req, res) => {
      const { afterSeq } = parseRequest(journalQuery, req.query, 'query');
      res.json({ items: await engine.journal(param(req, 'id'), afterSeq ?? 0) });
    }),
  );
  app.post(
    '/api/executions/:id/cancel',
    mutating,
    route(async (req, res) => {
      const { reason } = parseRequest(cancelBody, req.body ?? {}, 'body');
      const wait = waitParam(req.query['wait'], maxWaitMs);
      await engine.cancel(param(req, 'id'), reason);
      await answer(param(req, 'id'), wait, req, res);
    }),
  );
  app.post(
    '/api/executions/:id/retry',
    mutating,
    route(async (req, res) => {
      parseRequest(retryBody, req.body ?? {}, 'body');
      const wait = waitParam(req.query['wait'], maxWaitMs);
      await engine.retry(param(req, 'id'));
      await answer(param(req, 'id'), wait, req, res);
    }),
  );
  app.post(
    '/api/executions/:id/events',
    mutating,
    route(async (req, res) => {
      const event = parseRequest(sendBody, req.body, 'body');
      const wait = waitParam(req.query['wait'], maxWaitMs);
      await engine.send(param(req, 'id'), event);
      await answer(param(req, 'id'), wait, req, res);
    }),
  );
  app.get(
    '/api/executions/:id/stream',
    reading,
    route((req, res) => streams.streamExecution(param(req, 'id'), req, res)),
  );
  app.get(
    '/api/stream',
    reading,
    route((req, res) => streams.streamAll(req, res)),
  );

  if (options.staticDir !== undefined) app.use(express.static(options.staticDir));
  else
    app.get('/', (_req, res) => {
      res
        .status(404)
        .type('text/plain')
        .send(
          'sagachart: this server has no inspector (npm run build builds it; startServer serves it with staticDir: inspectorDir()). The API is under /api.\n',
        );
    });

  app.use('/api', (req, _res, next) => {
    next(new HttpError(404, 'NOT_FOUND', `No route ${req.method} ${req.originalUrl}`));
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { status, body } = errorResponse(error);
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(status).json(body);
  });

  return {
    app,
    /** The server's request listener: the direct routes (directRoutes.ts), else the app. */
    handle: (req: IncomingMessage, res: ServerResponse) => {
      if (!direct(req, res)) app(req, res);
    },
    /** What the SSE streams hold (clients, bytes waiting, drops). */
    streams,
    close: () => {
      streams.close();
      metrics.stop();
    },
  };
}
