import { createServer, type Server } from 'node:http';
import type { SagaEngine } from '../runtime/SagaEngine.js';
import { createApp, type AppOptions } from './createApp.js';
import type { SseStats } from './SseStreams.js';

export interface ServerOptions extends AppOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
}

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  /** What the SSE streams hold right now (clients, bytes waiting, drops). */
  sseStats(): SseStats;
  /** Stops taking requests, closes streams, stops the engine (everything stays resumable). */
  close(): Promise<void>;
}

/**
 * Starts the HTTP server on a started engine.
 *
 * @example
 * const running = await startServer({ engine, port: 3000 });
 * process.on('SIGTERM', () => void running.close());
 */
export async function startServer(options: ServerOptions & { engine: SagaEngine }): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const { handle, streams, close: closeApp } = createApp({ ...options, host });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = createServer(handle);
    listening.once('error', reject);
    listening.listen(options.port ?? 3000, host, () => {
      listening.off('error', reject);
      resolve(listening);
    });
  }).catch((error: unknown) => {
    // Not listening: the app's metrics and stream feed must not outlive it.
    closeApp();
    throw error;
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  let closing: Promise<void> | undefined;
  return {
    server,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    sseStats: () => streams.stats(),
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Streams never end on their own: close idle and streaming connections.
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1_000).unref();
        closeApp();
        await closed;
        await options.engine.stop();
      })()),
  };
}
