// The servers the HTTP benchmark measures, each in its own process: `sagachart serve` and Restate.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const here = import.meta.dirname;
const root = join(here, '..', '..');

/** A server under load: where to send requests, the processes whose CPU counts, and how to stop it. */
export interface Peer {
  readonly url: string;
  readonly pids: readonly number[];
  stop(): Promise<void>;
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at state; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  });
}

/** Resolves with the first match of `pattern` in the child's stdout; rejects if it exits first. */
function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match !== null) {
        child.stdout?.off('data', onData);
        resolve(match);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready:\n${seen}`)));
  });
}

/** `sagachart serve` (the built CLI) on a fresh SQLite file (FULL), with the benchmark's saga. */
export async function startServe(options: {
  db: string;
  commitWindowMs?: number | undefined;
  profileDir?: string | undefined;
}): Promise<Peer> {
  const args = [
    ...(options.profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.profileDir]),
    join(root, 'dist', 'src', 'cli', 'main.js'),
    'serve',
    '--port',
    '0',
    '--db',
    options.db,
    '--machines',
    join(here, 'machines'),
    ...(options.commitWindowMs === undefined ? [] : ['--commit-window', String(options.commitWindowMs)]),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const [, url] = await waitForLine(child, /on (http:\/\/\S+) /, 'sagachart serve');
  child.stdout?.resume();
  child.stderr?.resume();
  return { url: url ?? '', pids: [child.pid ?? 0], stop: () => stopped(child) };
}

/** Restate's server and the benchmark's service (bench/http/restateService.mjs), registered with it. */
export async function startRestate(baseDir: string): Promise<Peer> {
  const [ingress, admin, node, service] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const binary = join(here, 'node_modules', '@restatedev', 'restate-server-linux-x64', 'bin', 'restate-server');
  const server = spawn(binary, ['--no-logo'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      RESTATE_BASE_DIR: baseDir,
      RESTATE_LISTEN_MODE: 'tcp',
      RESTATE_BIND_PORT: String(node),
      RESTATE_INGRESS__BIND_ADDRESS: `127.0.0.1:${ingress}`,
      RESTATE_ADMIN__BIND_ADDRESS: `127.0.0.1:${admin}`,
      RESTATE_LOG_FILTER: 'warn',
    },
  });
  server.stdout?.resume();
  server.stderr?.resume();
  const worker = spawn(process.execPath, [join(here, 'restateService.mjs'), String(service)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitForLine(worker, /listening/, 'the Restate service');
  worker.stdout?.resume();
  worker.stderr?.resume();
  const stop = async () => {
    await stopped(worker);
    await stopped(server);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${admin}/deployments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ uri: `http://127.0.0.1:${service}` }),
      });
      if (response.ok) break;
    } catch {
      // The admin API is not up yet.
    }
    if (Date.now() > deadline || server.exitCode !== null) {
      await stop();
      throw new Error('Restate did not accept the service deployment within 60 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // The ingress learns of the deployment shortly after the admin API accepts it.
  for (;;) {
    const response = await fetch(`http://127.0.0.1:${ingress}/FourSteps/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"n":0}',
    }).catch(() => undefined);
    if (response?.ok === true) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error('Restate did not run the saga within 60 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { url: `http://127.0.0.1:${ingress}`, pids: [server.pid ?? 0, worker.pid ?? 0], stop };
}
