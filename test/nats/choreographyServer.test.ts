import { execFile } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../fixtures/serveProcess.js';
import { CHOREOGRAPHY_MACHINES, choreographyServer } from '../fixtures/choreographyServer.js';
import { natsAvailable } from '../fixtures/nats.js';

const available = await natsAvailable();
const TOKEN = 'choreo-secret';

/** The built CLI, as a user runs it (asynchronously: the server it calls runs in this process). */
function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, cwd: ROOT }, (error, out, err) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, out, err });
    });
  });
}

describe.skipIf(!available)('choreographies beside the executions, over a real server', () => {
  // One server for the file: the tests only read what the scenario left.
  let server: Awaited<ReturnType<typeof choreographyServer>>;
  beforeAll(async () => {
    server = await choreographyServer({ token: TOKEN });
  });

  it('should list each choreography with its counts by status and its flagged count, and say where it is followed', async () => {
    const { call, subject, stream } = server;
    const { status, body } = await call('/api/choreographies');
    expect(status).toBe(200);
    expect(body.items).toEqual([
      expect.objectContaining({
        name: 'test-orders',
        following: true,
        note: `on ${subject} (stream ${stream})`,
        counts: { byStatus: { Running: 1, Compensating: 0, Completed: 2, Compensated: 1 }, flagged: 1, total: 4 },
      }),
    ]);
  });

  it('should flag the stuck instance (the out-of-order one completed: cleared), and filter and page the instances', async () => {
    const { call } = server;
    const base = '/api/choreographies/test-orders/instances';
    const flagged = (await call(`${base}?flagged=true`)).body;
    expect(
      Object.fromEntries(flagged.items.map((i: any) => [i.correlationId, i.flags.map((f: any) => f.kind)])),
    ).toEqual({ stuck: ['stuck'] });
    expect((await call(`${base}?status=Completed&flagged=false`)).body.items.map((i: any) => i.correlationId)).toEqual([
      'jumbled',
      'done',
    ]);
    expect((await call(`${base}?idPrefix=ju`)).body.items.map((i: any) => i.correlationId)).toEqual(['jumbled']);
    // Paged one at a time with the cursor: every instance once.
    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: any = (await call(`${base}?limit=1${cursor === '' ? '' : `&cursor=${cursor}`}`)).body;
      seen.push(...page.items.map((i: any) => i.correlationId));
      cursor = page.nextCursor;
    }
    expect(seen.sort()).toEqual(['done', 'jumbled', 'stuck', 'undone']);
  });

  it('should give one instance with where it is, what it expects and its timeline', async () => {
    const { call } = server;
    const stuck = (await call('/api/choreographies/test-orders/instances/stuck')).body;
    expect(stuck).toMatchObject({
      status: 'Running',
      state: 'awaiting PaymentProcessed',
      expects: ['PaymentProcessed', 'PaymentFailed'],
      completed: ['OrderCreated'],
      flags: [{ kind: 'stuck', message: 'no PaymentProcessed or PaymentFailed in time' }],
      dueAt: null,
    });
    expect(stuck.events.map((e: any) => [e.type, e.state, e.flag])).toEqual([
      ['OrderCreated', 'awaiting PaymentProcessed', null],
      ['choreography.timeout', 'awaiting PaymentProcessed', 'stuck'],
    ]);
    const jumbled = (await call('/api/choreographies/test-orders/instances/jumbled')).body;
    expect(jumbled.events.map((e: any) => [e.type, e.flag, e.cleared])).toEqual([
      ['OrderCreated', null, []],
      ['StockReserved', 'out-of-order', []],
      ['PaymentProcessed', null, []],
      ['StockReserved', null, []],
      ['OrderShipped', null, ['out-of-order']],
    ]);
    const chart = (await call('/api/choreographies/test-orders/chart')).body;
    expect(Object.keys(chart.states)).toContain('awaiting PaymentProcessed');
  });

  it('should answer bad requests with a 4xx naming what is wrong, and keep the read rules of executions', async () => {
    const { call, url } = server;
    expect(await call('/api/choreographies/nope/instances')).toMatchObject({
      status: 404,
      body: { error: { code: 'UNKNOWN_CHOREOGRAPHY', message: 'No choreography "nope" (known: test-orders)' } },
    });
    expect((await call('/api/choreographies/test-orders/instances/who')).body.error.code).toBe('INSTANCE_NOT_FOUND');
    const badStatus = await call('/api/choreographies/test-orders/instances?status=Failed');
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error.message).toContain('query.status');
    expect((await call('/api/choreographies/test-orders/instances?cursor=nonsense')).body.error.code).toBe(
      'INVALID_CURSOR',
    );
    // Reads need the token when the server says so (--auth all), and pages of other origins are refused.
    expect((await fetch(`${url}/api/choreographies`)).status).toBe(401);
    expect((await call('/api/choreographies', { origin: 'https://evil.example' })).status).toBe(403);
  });

  it('should show the choreographies in the CLI, over --url and from the trackers file', async () => {
    const { url, file } = server;
    const remote = await cli(['choreographies', '--url', url, '--token', TOKEN]);
    expect(remote.code, remote.err).toBe(0);
    expect(remote.out).toMatch(/test-orders\s+1\s+0\s+2\s+1\s+⚑ 1\s+on /);
    expect(remote.out).toMatch(
      /⚑ stuck\s+Running\s+awaiting PaymentProcessed: expects PaymentProcessed or PaymentFailed/,
    );
    // A flag that cleared is not listed as one.
    expect(remote.out).not.toContain('jumbled');
    const flaggedOnly = await cli(['choreographies', 'test-orders', '--flagged', '--url', url, '--token', TOKEN]);
    expect(flaggedOnly.out).not.toContain('done');
    const one = await cli(['choreographies', 'test-orders', 'stuck', '--url', url, '--token', TOKEN]);
    expect(one.out).toContain('stuck  test-orders  Running  awaiting PaymentProcessed');
    expect(one.out).toMatch(/⚑ stuck\s+\S+\s+no PaymentProcessed or PaymentFailed in time/);
    expect(one.out).toMatch(/#2\s+\+\d+\.\d+s\s+\(quiet past the timeout\)\s+→ awaiting PaymentProcessed\s+⚑ stuck/);
    // The same file, read directly while the server follows into it.
    const local = await cli([
      'choreographies',
      '--flagged',
      '--choreography-db',
      file,
      '--machines',
      CHOREOGRAPHY_MACHINES,
    ]);
    expect(local.code, local.err).toBe(0);
    expect(local.err).toContain(`choreography trackers: ${file}`);
    expect(local.out).toMatch(/test-orders\s+⚑ stuck\s+Running/);
    expect(local.out).not.toContain('jumbled');
    const shown = await cli([
      'choreographies',
      'test-orders',
      'jumbled',
      '--json',
      '--choreography-db',
      file,
      '--machines',
      CHOREOGRAPHY_MACHINES,
    ]);
    const json = JSON.parse(shown.out) as unknown;
    expect(json).toMatchObject({ correlationId: 'jumbled', status: 'Completed', flags: [] });
    const timeline = await cli([
      'choreographies',
      'test-orders',
      'jumbled',
      '--choreography-db',
      file,
      '--machines',
      CHOREOGRAPHY_MACHINES,
    ]);
    expect(timeline.out).toContain('flags: none');
    expect(timeline.out).toMatch(/#2\s+\+\d+\.\d+s\s+StockReserved\s+→ awaiting PaymentProcessed\s+⚑ out-of-order/);
    expect(timeline.out).toMatch(/#5\s+\+\d+\.\d+s\s+OrderShipped\s+→ Completed\s+✓ cleared out-of-order/);
  });
});
