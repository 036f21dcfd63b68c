// npm run demo:distributed [-- --once] [-- --port N]  (port 3000 by default)
// The order-fulfillment saga with its four participants in four processes, over NATS JetStream
// (127.0.0.1:4222, or NATS_URL). The engine runs here with the HTTP server and inspector.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { SagaEngine } from '../../src/index.js';
import { natsRelay } from '../../src/nats.js';
import { sqliteStore } from '../../src/sqlite.js';
import { CliError } from '../../src/cli/CliError.js';
import { inspectorDir } from '../../src/cli/Command.js';
import { listenFailure } from '../../src/cli/listenFailure.js';
import { startServer } from '../../src/server/startServer.js';
import { distributedOrder, PARTICIPANTS } from './orderSaga.js';

const { values } = parseArgs({ options: { once: { type: 'boolean' }, port: { type: 'string', default: '3000' } } });
const dir = join(import.meta.dirname, '..', '..', 'data', 'demo-distributed');
refuseSecondDemo(`${dir}.pid`);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

// 1. The four participants, each a process of its own with its own SQLite file.
const children: ChildProcess[] = [];
const stopParticipants = (): void => {
  for (const child of children) child.kill('SIGTERM');
};
// Whatever stops the demo from here on (the port is taken, NATS is down) must not leave them running.
const fail = (error: unknown): never => {
  stopParticipants();
  const failure = listenFailure(error, '127.0.0.1', Number(values.port), 'npm run demo:distributed -- --port N');
  console.error(failure instanceof CliError ? `demo:distributed: ${failure.message}` : failure);
  process.exit(1);
};
process.once('uncaughtException', fail);
process.once('unhandledRejection', fail);
// Stopped (SIGTERM, or SIGINT outside a terminal's process group) before it serves: the same.
const stopEarly = (signal: NodeJS.Signals): void => {
  stopParticipants();
  process.exit(signal === 'SIGINT' ? 130 : 143);
};
process.once('SIGINT', stopEarly);
process.once('SIGTERM', stopEarly);
await Promise.all(
  Object.keys(PARTICIPANTS).map(
    (name) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', join(import.meta.dirname, 'participant.ts'), name, dir],
          {
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        children.push(child);
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`participant ${name} exited (${code}) before it was ready`)));
      }),
  ),
);
console.log(`participants: ${Object.keys(PARTICIPANTS).join(', ')} (pids ${children.map((c) => c.pid).join(', ')})`);

// 2. The engine, its relay to NATS, and the server with the inspector.
const nc = await connect({ servers: process.env['NATS_URL'] ?? '127.0.0.1:4222' });
const engine = new SagaEngine({ store: sqliteStore(join(dir, 'engine.db')), sagas: [distributedOrder] });
await engine.start();
const relay = await natsRelay(engine, { connection: nc });
const server = await startServer({ engine, port: Number(values.port), staticDir: inspectorDir() });

// 3. Orders: most complete; a large amount is declined by payments, a sold-out SKU by stock.
const orders = [
  { orderId: 'A-1', sku: 'SKU-1', qty: 1, amount: 40 },
  { orderId: 'A-2', sku: 'SKU-2', qty: 2, amount: 5_000 },
  { orderId: 'A-3', sku: 'SKU-SOLD-OUT', qty: 1, amount: 25 },
  { orderId: 'A-4', sku: 'SKU-1', qty: 3, amount: 99 },
];
for (const order of orders) {
  const { id } = await engine.execute(distributedOrder, order);
  const outcome = await engine.waitFor(id);
  const why = outcome.errors.at(-1)?.message;
  // The execution's page, where the inspector shows the order under its execution id.
  console.log(
    `${order.orderId}: ${outcome.status}${why === undefined ? '' : ` (${why})`}  ${server.url}/#/execution/${id}`,
  );
}

const shutdown = async (): Promise<void> => {
  await relay.stop();
  await server.close();
  await nc.close();
  stopParticipants();
};
if (values.once === true) {
  await shutdown();
} else {
  console.log(`inspector: ${server.url}/ (Ctrl-C to stop)`);
  process.off('SIGINT', stopEarly);
  process.off('SIGTERM', stopEarly);
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

/**
 * One demo per checkout: a second one would delete the first one's files under it
 * and hang. The pid file is made exclusively; one left by a demo that died is taken over.
 */
function refuseSecondDemo(pidFile: string): void {
  mkdirSync(join(pidFile, '..'), { recursive: true });
  for (;;) {
    try {
      writeFileSync(pidFile, String(process.pid), { flag: 'wx' });
      process.once('exit', () => rmSync(pidFile, { force: true }));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const other = Number(readFileSync(pidFile, 'utf8'));
    if (Number.isInteger(other) && other > 0 && other !== process.pid && isAlive(other)) {
      console.error(
        `demo:distributed: another demo runs from this checkout (pid ${other}, files in ${join(pidFile, '..')}); stop it first`,
      );
      process.exit(1);
    }
    rmSync(pidFile, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
