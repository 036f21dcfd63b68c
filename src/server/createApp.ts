import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { SagaEngine } from '../runtime/SagaEngine.js';
import type { ExecutionStatus } from '../store/SagaStore.js';
import { bearerAuth } from './bearerAuth.js';
import { chartJson } from './chartJson.js';
import { errorResponse, HttpError } from './HttpError.js';
import { jsonOnly } from './jsonOnly.js';
import { loopbackHost } from './loopbackHost.js';
import { originPolicy } from './originPolicy.js';
import { PrometheusMetrics } from './PrometheusMetrics.js';
import { cancelBody, journalQuery, listQuery, parseRequest, retryBody, sendBody, startBody } from './requestSchemas.js';
import { sagaSummary } from './sagaSummary.js';
import { SseStreams } from './SseStreams.js';

export interface AppOptions {
  readonly engine: SagaEngine;
  /** When set, mutating routes need `Authorization: Bearer <token>`. */
  readonly token?: string | undefined;
  /** With a token: protect reads too. */
  readonly authAll?: boolean;
  /** Largest accepted JSON body; 1 MB by default. */
  readonly bodyLimit?: string;
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
  const { engine } = options;
  const streams = new SseStreams(engine, { bufferBytes: options.sseBufferBytes });
  const metrics = new PrometheusMetrics(engine, () => streams.stats());
  const app = express();
  app.disable('x-powered-by');
  // Who may ask comes before what is asked: Host, then Origin, then the body's type.
  app.use(loopbackHost(options.host));
  app.use(originPolicy(options.cors ?? []));
  app.use('/api', jsonOnly);
  app.use(express.json({ limit: options.bodyLimit ?? '1mb', type: 'application/json' }));

  const guard = options.token === undefined || options.token === '' ? undefined : bearerAuth(options.token);
  const open: RequestHandler = (_req, _res, next) => next();
  const mutating = guard ?? open;
  const reading = options.authAll === true && guard !== undefined ? guard : open;

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

  app.get('/api/sagas', reading, (_req, res) => {
    res.json({ items: engine.sagas().map(sagaSummary) });
  });
  app.get('/api/sagas/:name', reading, (req, res) => {
    res.json(sagaSummary(engine.definition(param(req, 'name'))));
  });
  app.get('/api/sagas/:name/chart', reading, (req, res) => {
    res.json(chartJson(engine.machine(param(req, 'name'))));
  });

  app.post(
    '/api/executions',
    mutating,
    route(async (req, res) => {
      const body = parseRequest(startBody, req.body, 'body');
      const { saga, input, ...rest } = body;
      const started = await engine.execute(saga, input, rest);
      res.status(started.existing ? 200 : 201).json(started);
    }),
  );
  app.get(
    '/api/executions',
    reading,
    route(async (req, res) => {
      const query = parseRequest(listQuery, req.query, 'query');
      const { status, ...rest } = query;
      res.json(
        await engine.list({
          ...rest,
          ...(status === undefined ? {} : { status: status as ExecutionStatus | ExecutionStatus[] }),
        }),
      );
    }),
  );
  app.get(
    '/api/executions/:id',
    reading,
    route(async (req, res) => {
      res.json(await engine.get(param(req, 'id')));
    }),
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
      await engine.cancel(param(req, 'id'), reason);
      res.json(await engine.get(param(req, 'id')));
    }),
  );
  app.post(
    '/api/executions/:id/retry',
    mutating,
    route(async (req, res) => {
      parseRequest(retryBody, req.body ?? {}, 'body');
      await engine.retry(param(req, 'id'));
      res.json(await engine.get(param(req, 'id')));
    }),
  );
  app.post(
    '/api/executions/:id/events',
    mutating,
    route(async (req, res) => {
      const event = parseRequest(sendBody, req.body, 'body');
      await engine.send(param(req, 'id'), event);
      res.json(await engine.get(param(req, 'id')));
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
    /** What the SSE streams hold (clients, bytes waiting, drops). */
    streams,
    close: () => {
      streams.close();
      metrics.stop();
    },
  };
}
