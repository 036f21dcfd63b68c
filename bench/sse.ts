// Live streams under load: throughput with many SSE readers, memory with stalled ones.
// Part of `npm run bench`; alone: `node --import tsx bench/sse.ts --tiny` (a smoke run).
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, get, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { round } from './measure.js';

export interface SseBenchSizes {
  /** Executions POSTed per throughput run. */
  readonly executions: number;
  /** SSE clients reading `/api/stream` during the second run. */
  readonly readers: number;
  /** Clients that never read. */
  readonly stalled: number;
  /** Executions POSTed while they are connected. */
  readonly stalledExecutions: number;
}

export const FULL_SIZES: SseBenchSizes = { executions: 2000, readers: 500, stalled: 100, stalledExecutions: 6000 };
const TINY_SIZES: SseBenchSizes = { executions: 40, readers: 5, stalled: 3, stalledExecutions: 60 };
const CONCURRENCY = 50;

interface Server {
  readonly url: string;
  ask<T>(message: object, reply: string): Promise<T>;
  stop(): Promise<void>;
}

async function startServerProcess(): Promise<Server> {
  const child: ChildProcess = fork(join(import.meta.dirname, 'sseServer.ts'), [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return {
    url,
    ask: <T>(message: object, reply: string) =>
      new Promise<T>((resolve) => {
        const on = (m: { type: string }) => {
          if (m.type !== reply) return;
          child.off('message', on);
          resolve(m as T);
        };
        child.on('message', on);
        child.send(message);
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.send({ type: 'stop' });
      }),
  };
}

/** POSTs `total` executions, `CONCURRENCY` at a time over keep-alive connections; resolves when all finished. */
async function postExecutions(server: Server, total: number, offset: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const { hostname, port } = new URL(server.url);
  const post = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const body = JSON.stringify({ saga: 'bench-four-steps', input: { n } });
      const req = request(
        {
          host: hostname,
          port,
          agent,
          method: 'POST',
          path: '/api/executions',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 201 ? resolve() : reject(new Error(`POST answered ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < total) {
      next += 1;
      await post(offset + next);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  await server.ask({ type: 'finished', count: offset + total }, 'finished');
  agent.destroy();
  return total / ((performance.now() - started) / 1000);
}

/** SSE clients that read and discard everything. */
function readers(url: string, n: number): Promise<{ close: () => void; bytes: () => number }> {
  let bytes = 0;
  let open = 0;
  const requests: ReturnType<typeof get>[] = [];
  return new Promise((resolve, reject) => {
    for (let i = 0; i < n; i += 1) {
      const req = get(`${url}/api/stream`, { agent: false }, (res) => {
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('error', () => undefined);
        open += 1;
        if (open === n) resolve({ close: () => requests.forEach((r) => r.destroy()), bytes: () => bytes });
      });
      req.on('error', reject);
      requests.push(req);
    }
  });
}

/** Clients that send their request and never read a byte. */
function stalledClients(url: string, n: number): Socket[] {
  const { hostname, port } = new URL(url);
  return Array.from({ length: n }, () => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.pause();
    socket.on('error', () => undefined);
    socket.write(`GET /api/stream HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`);
    return socket;
  });
}

type Rss = { rss: number; sse: { clients: number; dropped: number } };
const MB = 1024 * 1024;

/** Runs both measurements and returns the markdown lines for BENCHMARKS.md. */
export async function sseBenchmarks(sizes: SseBenchSizes = FULL_SIZES): Promise<string[]> {
  const lines: string[] = [];
  {
    const server = await startServerProcess();
    await postExecutions(server, Math.max(20, Math.round(sizes.executions / 10)), 0); // warm-up
    let done = Math.max(20, Math.round(sizes.executions / 10));
    const alone = await postExecutions(server, sizes.executions, done);
    done += sizes.executions;
    const clients = await readers(server.url, sizes.readers);
    const watched = await postExecutions(server, sizes.executions, done);
    const { sse } = await server.ask<Rss>({ type: 'rss' }, 'rss');
    clients.close();
    await server.stop();
    lines.push(
      `| ${sizes.executions} POSTed executions (four steps), concurrency ${CONCURRENCY} | sagas/s |`,
      '|---|---:|',
      `| no SSE client | ${round(alone)} |`,
      `| ${sizes.readers} SSE clients reading /api/stream | ${round(watched)} (${round(watched / alone, 2)}×) |`,
      '',
      `The readers received ${round(clients.bytes() / MB, 1)} MB; ${sse.dropped} were dropped.`,
      '',
    );
  }
  {
    const server = await startServerProcess();
    await postExecutions(server, Math.max(20, Math.round(sizes.stalledExecutions / 10)), 0); // warm-up
    const idle = (await server.ask<Rss>({ type: 'rss', gc: true }, 'rss')).rss;
    const sockets = stalledClients(server.url, sizes.stalled);
    let peak = idle;
    const sampler = setInterval(() => {
      void server.ask<Rss>({ type: 'rss' }, 'rss').then((r) => (peak = Math.max(peak, r.rss)));
    }, 100);
    await postExecutions(server, sizes.stalledExecutions, Math.max(20, Math.round(sizes.stalledExecutions / 10)));
    clearInterval(sampler);
    const during = await server.ask<Rss>({ type: 'rss' }, 'rss');
    peak = Math.max(peak, during.rss);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await server.ask<Rss>({ type: 'rss', gc: true }, 'rss');
    await server.stop();
    lines.push(
      `| ${sizes.stalled} SSE clients that never read, ${sizes.stalledExecutions} executions | MB above idle |`,
      '|---|---:|',
      `| peak RSS during the run | ${round((peak - idle) / MB, 1)} |`,
      `| after the clients left (after GC) | ${round((after.rss - idle) / MB, 1)} |`,
      '',
      `Idle RSS ${round(idle / MB, 1)} MB; ${during.sse.dropped} of ${sizes.stalled} stalled clients were dropped for falling behind.`,
      '',
    );
  }
  return lines;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const lines = await sseBenchmarks(process.argv.includes('--tiny') ? TINY_SIZES : FULL_SIZES);
  console.log(lines.join('\n'));
}
