import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import {
  awaitEvent,
  defineSaga,
  InvalidOperationError,
  SagaEngine,
  step,
  type AnySagaDefinition,
  type PassivationOptions,
} from '../src/index.js';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { join } from 'node:path';
import { postgresStore } from '../src/postgres.js';
import { PrometheusMetrics } from '../src/server/PrometheusMetrics.js';
import { readSse, serve } from './fixtures/http.js';
import { freshSchema, POSTGRES_URL, postgresAvailable } from './fixtures/postgres.js';

const available = await postgresAvailable();

/** Several engines in one process on one schema, as several processes would be. */
describe.runIf(available)('engines sharing one PostgreSQL schema', () => {
  const engines: SagaEngine[] = [];
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.stop()));
  });

  const fences: { step: string; fence: number; engine: string }[] = [];
  const approval = defineSaga({
    name: 'approval',
    version: 1,
    input: z.object({ n: z.number() }),
    steps: [
      step('reserve', {
        run: ({ fence }) => {
          fences.push({ step: 'reserve', fence, engine: 'any' });
          return { ok: true };
        },
        compensate: 'none',
      }),
      awaitEvent('approve', { event: 'approved', schema: z.object({ by: z.string() }) }),
      step('ship', { run: () => ({ shipped: true }), compensate: 'none' }),
    ],
  });

  /** An engine on `schema`: the approval saga, long passivation, 100 ms polls, unless told otherwise. */
  async function engine(
    schema: string,
    options: {
      thresholdMs?: number;
      leaseTtlMs?: number;
      sagas?: AnySagaDefinition[];
      passivation?: PassivationOptions;
    } = {},
  ) {
    const e = new SagaEngine({
      store: postgresStore(POSTGRES_URL, { schema, leaseTtlMs: options.leaseTtlMs ?? 2_000, maxConnections: 4 }),
      sagas: options.sagas ?? [approval],
      passivation: options.passivation ?? { thresholdMs: options.thresholdMs ?? 60_000, pollIntervalMs: 100 },
    });
    await e.start();
    engines.push(e);
    return e;
  }

  it('should deliver a cancel sent through another engine to the one holding the execution', async () => {
    const schema = freshSchema();
    const undone: string[] = [];
    const slow = defineSaga({
      name: 'slow-cancel',
      version: 1,
      input: z.object({}),
      steps: [
        step('hold', { run: () => ({ held: true }), compensate: () => void undone.push('hold') }),
        step('wait', {
          // In flight until the cancel fires its signal: the holder keeps the execution in memory.
          run: ({ signal }) =>
            new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
          compensate: ({ outcome }) => void undone.push(`wait:${outcome}`),
        }),
      ],
    });
    const make = () => engine(schema, { sagas: [slow], passivation: { pollIntervalMs: 5_000 } });
    const a = await make();
    const b = await make();
    const { id } = await a.execute(slow, {});
    await expect
      .poll(async () => (await a.get(id)).state, { timeout: 5_000 })
      .toMatchObject({ Running: { wait: 'run' } });
    expect(a.held()).toBe(1);
    // b does not hold it: its cancel goes through the inbox (NOTIFY wakes a at once, long before
    // a poll), a applies it, and b hears that it was applied.
    await b.cancel(id, 'changed my mind');
    const outcome = await b.waitFor(id);
    expect(outcome.status).toBe('Compensated');
    expect(undone).toEqual(['wait:unknown', 'hold']);
    expect(b.held()).toBe(0);
    // A refusal made by the holder reaches the caller on the other engine too.
    const refused = await b.cancel(id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidOperationError);
  });

  it('should answer many callers on one engine whose commands and executions another engine settles', async () => {
    const schema = freshSchema();
    const holder = await engine(schema);
    const door = await engine(schema);
    const ids = await Promise.all(
      Array.from({ length: 30 }, async (_, n) => (await holder.execute(approval, { n })).id),
    );
    for (const id of ids) {
      await expect
        .poll(async () => (await holder.get(id)).state, { timeout: 5_000 })
        .toMatchObject({ Running: 'approve' });
    }
    // Every caller waits on the front door; the holder applies and settles; each caller hears its own outcome.
    const outcomes = await Promise.all(
      ids.map(async (id) => {
        await door.send(id, { type: 'approved', data: { by: 'ops' } });
        return door.waitFor(id);
      }),
    );
    expect(outcomes.map((o) => o.status)).toEqual(ids.map(() => 'Completed'));
    expect(outcomes.map((o) => o.id)).toEqual(ids);
    expect(door.held()).toBe(0);
    // A refusal the holder makes reaches its caller there too, among the others.
    const again = await Promise.all(
      ids.slice(0, 5).map((id) => door.send(id, { type: 'approved', data: { by: 'x' } }).catch((e: unknown) => e)),
    );
    for (const refused of again) expect(refused).toBeInstanceOf(InvalidOperationError);
  });

  it('should let any engine claim a parked execution when an event arrives, with a new fence', async () => {
    const schema = freshSchema();
    const a = await engine(schema, { thresholdMs: 0 });
    const b = await engine(schema, { thresholdMs: 0 });
    fences.length = 0;
    const { id } = await a.execute(approval, { n: 3 });
    await expect.poll(async () => (await a.get(id)).state, { timeout: 5_000 }).toMatchObject({ Running: 'approve' });
    await expect.poll(() => a.held(), { timeout: 5_000 }).toBe(0);
    await b.send(id, { type: 'approved', data: { by: 'ops' } });
    expect((await a.waitFor(id)).status).toBe('Completed');
    expect(fences).toEqual([{ step: 'reserve', fence: 1, engine: 'any' }]);
  });

  it("should hand a stopped engine's executions to another at once, whose steps see a higher fence", async () => {
    const schema = freshSchema();
    let release: () => void = () => undefined;
    const seen: number[] = [];
    const slow = defineSaga({
      name: 'slow',
      version: 1,
      input: z.object({}),
      steps: [
        step('work', {
          run: async ({ fence, signal }) => {
            seen.push(fence);
            if (seen.length === 1) {
              // The first holder's call waits until it is stopped (its signal fires).
              await new Promise<void>((resolve) => {
                release = resolve;
                signal.addEventListener('abort', () => resolve());
              });
              throw new Error('stopped');
            }
            return { done: fence };
          },
          compensate: 'none',
        }),
      ],
    });
    const make = () => engine(schema, { sagas: [slow], passivation: { pollIntervalMs: 100 } });
    const a = await make();
    const b = await make();
    const { id } = await a.execute(slow, {});
    await expect.poll(() => seen.length, { timeout: 5_000 }).toBe(1);
    await a.stop();
    release();
    const outcome = await b.waitFor(id);
    expect(outcome).toMatchObject({ status: 'Completed', results: { work: { done: 2 } } });
    expect(seen).toEqual([1, 2]);
    const stats = b.ownershipStats();
    expect(stats).toMatchObject({ claimed: 1, held: 0 });
  });

  it("should list the live engines in the CLI and count each engine's leases in /metrics", async () => {
    const schema = freshSchema();
    const a = await engine(schema);
    const b = await engine(schema);
    const { id } = await a.execute(approval, { n: 4 });
    await expect.poll(async () => (await a.get(id)).state, { timeout: 5_000 }).toMatchObject({ Running: 'approve' });
    await a.send(id, { type: 'approved', data: { by: 'ops' } });
    await a.waitFor(id);
    const bin = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
    const result = spawnSync(process.execPath, [bin, 'engines', '--db', `${POSTGRES_URL}?schema=${schema}`, '--json'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const listed = (JSON.parse(result.stdout) as { items: { id: string; pid: number }[] }).items;
    const ids = [a.ownershipStats()?.engineId, b.ownershipStats()?.engineId];
    expect(listed.map((e) => e.id).sort()).toEqual([...ids].sort());
    expect(listed.every((e) => e.pid === process.pid)).toBe(true);
    const table = spawnSync(process.execPath, [bin, 'engines', '--db', `${POSTGRES_URL}?schema=${schema}`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(table.stdout).toMatch(/ENGINE\s+HOST\s+PID\s+HELD\s+HEARTBEAT\s+SERVING/);
    const metrics = new PrometheusMetrics(a);
    const text = await metrics.render();
    metrics.stop();
    expect(text).toContain(`sagachart_engine_claimed_total{engine="${ids[0]}"}`);
    expect(text).toMatch(/sagachart_engine_leases_lost_total\{engine="[^"]+"\} 0/);
  });

  it("should show on one server's live stream the executions another engine runs", async () => {
    const schema = freshSchema();
    const a = await engine(schema);
    const store = postgresStore(POSTGRES_URL, { schema, leaseTtlMs: 2_000, maxConnections: 4 });
    const { url, call } = await serve([approval], { store });
    let opened: () => void = () => undefined;
    const subscribed = new Promise<void>((resolve) => (opened = resolve));
    // Server b's stream, from its end: a's commits reach it through NOTIFY (no commit of b wakes it).
    const events = readSse(
      `${url}/api/stream`,
      {},
      (event) => event.event === 'journal' && event.data.entry.type === 'SagaCompleted',
      opened,
    );
    await subscribed;
    const { id } = await a.execute(approval, { n: 5 });
    await expect.poll(async () => (await a.get(id)).state, { timeout: 5_000 }).toMatchObject({ Running: 'approve' });
    await a.send(id, { type: 'approved', data: { by: 'ops' } });
    const seen = await events;
    expect(seen.filter((e) => e.event === 'journal').map((e) => e.data.executionId as string)).toContain(id);
    expect((await call('GET', `/api/executions/${id}`)).body).toMatchObject({ status: 'Completed' });
  });

  it("should drop an execution another engine took, fire its step's signal and write nothing more of it", async () => {
    const schema = freshSchema();
    const aborted: string[] = [];
    const held = defineSaga({
      name: 'held',
      version: 1,
      input: z.object({}),
      steps: [
        step('work', {
          run: ({ signal, fence }) =>
            new Promise((_, reject) =>
              signal.addEventListener('abort', () => {
                aborted.push(`fence ${fence}`);
                reject(new Error('aborted'));
              }),
            ),
          compensate: 'none',
        }),
      ],
    });
    const a = await engine(schema, { leaseTtlMs: 300, sagas: [held], passivation: { pollIntervalMs: 60_000 } });
    const { id } = await a.execute(held, {});
    await expect
      .poll(async () => (await a.get(id)).state, { timeout: 5_000 })
      .toMatchObject({ Running: { work: 'run' } });
    // Another engine takes it over (as its claim would after a stall): a new owner and fence.
    const db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    try {
      await db.query(
        `UPDATE "${schema}".executions SET owner = 'other', fence = fence + 1, lease_until = now() + interval '1 hour' WHERE id = $1`,
        [id],
      );
      const before = (await db.query(`SELECT revision FROM "${schema}".executions WHERE id = $1`, [id])).rows[0];
      // a's next heartbeat finds the lease gone: the execution leaves its memory, its step's signal fires.
      await expect.poll(() => aborted, { timeout: 5_000 }).toEqual(['fence 1']);
      expect(a.held()).toBe(0);
      expect(a.ownershipStats()).toMatchObject({ lost: 1 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const after = (await db.query(`SELECT revision, owner, fence FROM "${schema}".executions WHERE id = $1`, [id]))
        .rows[0];
      expect(after).toMatchObject({ revision: before.revision, owner: 'other' });
    } finally {
      await db.end();
    }
  });

  it('should let a CLI command on a database other engines run on claim nothing of theirs', async () => {
    const schema = freshSchema();
    const waits = defineSaga({
      name: 'waits',
      version: 1,
      input: z.object({}),
      steps: [step('work', { run: () => new Promise(() => undefined), compensate: 'none' })],
    });
    // Slow to claim: the orphan below stays one while the CLI runs.
    const make = () => engine(schema, { sagas: [waits], passivation: { pollIntervalMs: 60_000 } });
    const first = await make();
    const { id } = await first.execute(waits, {});
    await expect
      .poll(async () => (await first.get(id)).state, { timeout: 5_000 })
      .toMatchObject({
        Running: { work: 'run' },
      });
    const other = await make();
    // Past the claim other makes as it starts; its next one is a minute away.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await first.stop(); // hands its lease back: an orphan any engine may claim
    const bin = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
    const machines = join(import.meta.dirname, 'fixtures', 'cli-machines');
    const ls = spawnSync(
      process.execPath,
      [bin, 'ls', '--db', `${POSTGRES_URL}?schema=${schema}`, '--machines', machines],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(ls.status, ls.stderr).toBe(0);
    const db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    try {
      const owners = await db.query<{ owner: string }>(
        `SELECT owner FROM "${schema}".lease_log WHERE execution_id = $1 ORDER BY fence`,
        [id],
      );
      // Only the engine that started it: the CLI's engine joined as a front door and took nothing.
      expect(owners.rows.map((r) => r.owner)).toEqual([expect.stringContaining(`:${process.pid}:`)]);
      expect(other.held()).toBe(0);
    } finally {
      await db.end();
    }
  });
});
