// Live streams under load: throughput with many SSE readers, memory with stalled ones.
// Part of `npm run bench`; alone: `node --import tsx bench/sse.ts --tiny` (a smoke run).
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
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

async function startServerProcess(extraExecArgv: readonly string[] = []): Promise<Server> {
  const child: ChildProcess = fork(join(import.meta.dirname, 'sseServer.ts'), [], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...extraExecArgv],
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

/**
 * SSE clients that read and discard everything, as cheaply as a load
 * generator can: raw sockets reading into one reused buffer (no HTTP parsing,
 * no allocation per read), so the readers take as little as possible of the
 * cores they share with the server. `gzip` asks for a compressed stream, as
 * browsers do.
 */
function readers(url: string, n: number, gzip = true): Promise<{ close: () => void; bytes: () => number }> {
  const { hostname, port } = new URL(url);
  let bytes = 0;
  let open = 0;
  const scratch = Buffer.allocUnsafe(64 * 1024);
  const sockets: Socket[] = [];
  const accept = gzip ? 'Accept-Encoding: gzip\r\n' : '';
  return new Promise((resolve, reject) => {
    for (let i = 0; i < n; i += 1) {
      let first = true;
      const socket = connect({
        host: hostname,
        port: Number(port),
        onread: {
          buffer: scratch,
          callback: (size: number) => {
            bytes += size;
            if (first) {
              first = false;
              open += 1;
              if (open === n) resolve({ close: () => sockets.forEach((s) => s.destroy()), bytes: () => bytes });
            }
            return true;
          },
        },
      });
      socket.on('error', reject);
      socket.write(`GET /api/stream HTTP/1.1\r\nHost: ${hostname}:${port}\r\n${accept}\r\n`);
      sockets.push(socket);
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

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/** One timed run: sagas/s, and the cores the server and this (client) process kept busy meanwhile. */
interface Measured {
  readonly rate: number;
  readonly serverCores: number;
  readonly clientCores: number;
}

async function measured(server: Server, total: number, offset: number): Promise<Measured> {
  type Cpu = { micros: number };
  const serverBefore = (await server.ask<Cpu>({ type: 'cpu' }, 'cpu')).micros;
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const rate = await postExecutions(server, total, offset);
  const wall = (performance.now() - started) * 1000;
  const client = process.cpuUsage(clientBefore);
  const serverAfter = (await server.ask<Cpu>({ type: 'cpu' }, 'cpu')).micros;
  return { rate, serverCores: (serverAfter - serverBefore) / wall, clientCores: (client.user + client.system) / wall };
}

/** Readers that ask for a gzipped stream (as browsers do) and readers that do not. */
type Readers = 'gzip' | 'plain';

export interface SseThroughput {
  readonly alone: readonly Measured[];
  readonly watched: Readonly<Record<Readers, readonly Measured[]>>;
  /** Bytes the readers received in one round. */
  readonly bytes: Readonly<Record<Readers, number>>;
  readonly dropped: number;
}

/**
 * Throughput without and with `sizes.readers` reading clients, on one server,
 * in interleaved rounds (alone, gzip readers, plain readers, alone, ...) so
 * drift on a shared machine hits every variant alike. `serverArgs` go to the
 * server's node (e.g. `--cpu-prof`).
 */
export async function sseThroughput(
  sizes: SseBenchSizes,
  rounds: number,
  serverArgs: readonly string[] = [],
): Promise<SseThroughput> {
  const server = await startServerProcess(serverArgs);
  let done = Math.max(20, Math.round(sizes.executions / 10));
  await postExecutions(server, done, 0); // warm-up
  const alone: Measured[] = [];
  const watched: Record<Readers, Measured[]> = { gzip: [], plain: [] };
  const bytes: Record<Readers, number> = { gzip: 0, plain: 0 };
  for (let r = 0; r < rounds; r += 1) {
    alone.push(await measured(server, sizes.executions, done));
    done += sizes.executions;
    for (const kind of ['gzip', 'plain'] as const) {
      const clients = await readers(server.url, sizes.readers, kind === 'gzip');
      watched[kind].push(await measured(server, sizes.executions, done));
      done += sizes.executions;
      bytes[kind] += clients.bytes() / rounds;
      clients.close();
    }
  }
  const { sse } = await server.ask<Rss>({ type: 'rss' }, 'rss');
  await server.stop();
  return { alone, watched, bytes, dropped: sse.dropped };
}

const rateOf = (ms: readonly Measured[]) => median(ms.map((m) => m.rate));
const cores = (ms: readonly Measured[]) =>
  `${round(median(ms.map((m) => m.serverCores)), 2)} / ${round(median(ms.map((m) => m.clientCores)), 2)}`;
const serverMs = (ms: readonly Measured[]) => round(median(ms.map((m) => (1000 * m.serverCores) / m.rate)), 2);

/** Runs both measurements and returns the markdown lines for BENCHMARKS.md. */
export async function sseBenchmarks(sizes: SseBenchSizes = FULL_SIZES, rounds = 3): Promise<string[]> {
  const lines: string[] = [];
  {
    const { alone, watched, bytes, dropped } = await sseThroughput(sizes, rounds);
    const a = rateOf(alone);
    const row = (what: string, ms: readonly Measured[]) =>
      `| ${what} | ${round(rateOf(ms))}${ms === alone ? '' : ` (${round(rateOf(ms) / a, 2)}×)`} | ${cores(ms)} | ${serverMs(ms)} |`;
    lines.push(
      `| ${sizes.executions} POSTed executions (four steps), concurrency ${CONCURRENCY} | sagas/s | CPU server / readers (cores) | server CPU ms a saga |`,
      '|---|---:|---:|---:|',
      row('no SSE client', alone),
      row(`${sizes.readers} SSE clients reading /api/stream, gzip (as browsers ask)`, watched.gzip),
      row(`${sizes.readers} SSE clients reading /api/stream, uncompressed`, watched.plain),
      '',
      `Medians of ${rounds} interleaved rounds on one server. The readers received ${round(bytes.gzip / MB, 1)} MB ` +
        `a round gzipped, ${round(bytes.plain / MB, 1)} MB uncompressed; ${dropped} were dropped.`,
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

/** `--throughput` runs only the first measurement: `--rounds N --readers N --executions N --server-arg ARG...`. */
function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : process.argv[at + 1];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const base = process.argv.includes('--tiny') ? TINY_SIZES : FULL_SIZES;
  const sizes = {
    ...base,
    readers: Number(option('readers') ?? base.readers),
    executions: Number(option('executions') ?? base.executions),
  };
  const rounds = Number(option('rounds') ?? 3);
  if (process.argv.includes('--throughput')) {
    const serverArgs = process.argv.flatMap((arg, i) => (process.argv[i - 1] === '--server-arg' ? [arg] : []));
    const { alone, watched, bytes, dropped } = await sseThroughput(sizes, rounds, serverArgs);
    const show = (m: Measured | undefined) =>
      m === undefined
        ? ''
        : `${round(m.rate)}/s (server ${round(m.serverCores, 2)}, readers ${round(m.clientCores, 2)} cores; ` +
          `server ${round((1000 * m.serverCores) / m.rate, 2)} ms CPU a saga)`;
    for (let r = 0; r < rounds; r += 1) {
      console.log(`round ${r + 1}: alone ${show(alone[r])}`);
      console.log(`         gzip readers ${show(watched.gzip[r])}`);
      console.log(`         plain readers ${show(watched.plain[r])}`);
    }
    const a = rateOf(alone);
    for (const kind of ['gzip', 'plain'] as const) {
      console.log(
        `median ${kind}: ${round(rateOf(watched[kind]))}/s vs ${round(a)}/s alone = ${round(rateOf(watched[kind]) / a, 2)}×; ` +
          `server CPU ${serverMs(watched[kind])} vs ${serverMs(alone)} ms a saga; ${round(bytes[kind] / MB, 1)} MB a round`,
      );
    }
    console.log(`${dropped} readers dropped`);
  } else {
    console.log((await sseBenchmarks(sizes, rounds)).join('\n'));
  }
}
