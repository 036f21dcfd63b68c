import { execFile, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, serveProcess } from '../fixtures/serveProcess.js';
import { CHOREOGRAPHY_MACHINES } from '../fixtures/choreographyServer.js';
import { NATS_URL, natsAvailable, natsConnection, natsNames } from '../fixtures/nats.js';
import { until } from '../fixtures/until.js';

const available = await natsAvailable();
const servers: ChildProcess[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.kill('SIGTERM');
});

/** `sagachart serve` with the tests' choreography, on a subject and stream of this test's own. */
async function serve(args: string[], env: Record<string, string | undefined> = {}) {
  const names = natsNames();
  const subject = `${names.prefix}.orders.events`;
  // The machines module reads them when serve imports it.
  const started = await serveProcess(['--machines', CHOREOGRAPHY_MACHINES, ...args], {
    SAGACHART_TEST_SUBJECT: subject,
    SAGACHART_TEST_STREAM: names.commandStream,
    ...env,
  });
  servers.push(started.server);
  return { ...started, subject, stream: names.commandStream };
}

const run = (args: string[]) =>
  new Promise<{ out: string; err: string }>((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 60_000 }, (error, out, err) =>
      error === null ? resolve({ out, err }) : reject(new Error(`${error.message}\n${out}${err}`)),
    );
  });

describe.skipIf(!available)('sagachart serve and the choreographies its machines export', () => {
  it('should follow them with --nats, keep their trackers beside the database, and answer the CLI', async () => {
    const { url, output, db, subject, stream } = await serve([
      '--nats',
      `nats://${NATS_URL.replace(/^nats:\/\//, '')}`,
    ]);
    const trackers = join(dirname(db), 'serve.choreographies.db');
    expect(output).toContain(`following choreography test-orders on ${subject} (stream ${stream})`);
    expect(output).toContain(`choreography trackers: ${trackers}`);
    const js = jetstream(await natsConnection());
    for (const type of ['OrderCreated', 'StockReserved']) {
      await js.publish(subject, JSON.stringify({ type, data: { orderId: 'o-1' } }));
    }
    await until(async () => {
      const body = (await (await fetch(`${url}/api/choreographies`)).json()) as {
        items: { counts: { flagged: number } }[];
      };
      return body.items[0]?.counts.flagged === 1;
    }, 50);
    // On the server's own database file the CLI goes through the server.
    const { out, err } = await run(['choreographies', 'test-orders', 'o-1', '--db', db]);
    expect(err).toContain(`is held by the server at ${url}`);
    expect(out).toContain('o-1  test-orders  Running  awaiting PaymentProcessed');
    expect(out).toContain('⚑ out-of-order');
  });

  it('should say in one line that choreographies are not followed, and why, without NATS', async () => {
    const { url, output } = await serve([], { SAGACHART_NATS_URL: undefined });
    expect(output.split('\n').filter((line) => line.includes('choreograph'))).toEqual([
      'choreographies not followed (test-orders): no NATS configured (pass --nats nats://127.0.0.1:4222 or set SAGACHART_NATS_URL)',
    ]);
    const body = (await (await fetch(`${url}/api/choreographies`)).json()) as { items: unknown[] };
    expect(body.items).toEqual([expect.objectContaining({ name: 'test-orders', following: false })]);
  });
});
