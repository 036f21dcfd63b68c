// Child process for bench/sse.ts: `sagachart serve` as a user runs it (SQLite, default settings),
// driven over IPC so the benchmark can read this process's RSS and know when executions finished.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SagaEngine } from '../src/index.js';
import { startServer } from '../src/server/startServer.js';
import { sqliteStore } from '../src/sqlite.js';
import { fourSteps } from './sagas.js';

type Request = { type: 'rss'; gc?: boolean } | { type: 'cpu' } | { type: 'finished'; count: number } | { type: 'stop' };

const send = (message: unknown) => process.send?.(message);
const engine = new SagaEngine({
  store: sqliteStore(join(mkdtempSync(join(tmpdir(), 'sagachart-bench-sse-')), 'serve.db')),
  sagas: [fourSteps],
});
await engine.start();
let finished = 0;
const waiting: { count: number; resolve: () => void }[] = [];
engine.subscribe((event) => {
  if (event.status !== 'Completed' || !event.entries.some((e) => e.type === 'SagaCompleted')) return;
  finished += 1;
  for (const w of waiting.filter((x) => finished >= x.count)) {
    waiting.splice(waiting.indexOf(w), 1);
    w.resolve();
  }
});
const running = await startServer({ engine, port: 0 });

process.on('message', (message: Request) => {
  if (message.type === 'rss') {
    if (message.gc === true) (globalThis as { gc?: () => void }).gc?.();
    send({ type: 'rss', rss: process.memoryUsage().rss, sse: running.sseStats() });
  } else if ((message as { type: string }).type === 'env') {
    Object.assign(process.env, (message as unknown as { env: Record<string, string> }).env);
    send({ type: 'env' });
  } else if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    send({ type: 'cpu', micros: user + system, sse: running.sseStats() });
  } else if (message.type === 'finished') {
    if (finished >= message.count) send({ type: 'finished' });
    else waiting.push({ count: message.count, resolve: () => send({ type: 'finished' }) });
  } else {
    void running.close().then(() => process.exit(0));
  }
});
send({ type: 'ready', url: running.url });
