import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/index.js';
import { postgresStore } from '../../src/postgres.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgresSchema.js';
import { lockHolder, sleep } from '../fixtures/lockHolder.js';
import { freshSchema, POSTGRES_URL, postgresAvailable } from '../fixtures/postgres.js';
import { write } from '../fixtures/storeWrites.js';
import { describeStoreContract } from './storeContract.js';

const available = await postgresAvailable();

if (available) {
  describeStoreContract('postgres', () => Promise.resolve(postgresStore(POSTGRES_URL, { schema: freshSchema() })));
}

describe.runIf(available)('postgresStore', () => {
  it('should record its migrations in its own schema, once, even when several processes open it at once', async () => {
    const schema = freshSchema();
    const stores = Array.from({ length: 4 }, (_, i) => postgresStore(POSTGRES_URL, { schema, readOnly: i > 1 }));
    await Promise.all(stores.map((s) => s.init()));
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: number }>(
        `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
      );
      expect(rows.map((r) => r.version)).toEqual(POSTGRES_MIGRATIONS.map((_, i) => i + 1));
    } finally {
      await client.end();
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('should keep two schemas apart', async () => {
    const one = postgresStore(POSTGRES_URL, { schema: freshSchema() });
    const two = postgresStore(POSTGRES_URL, { schema: freshSchema() });
    await one.init();
    await two.init();
    await one.commit([write('e1', 1, 0, 1)]);
    expect(await two.get('e1')).toBeUndefined();
    await Promise.all([one.close(), two.close()]);
  });

  it('should keep the journal append-only even against direct SQL', async () => {
    const schema = freshSchema();
    const store = postgresStore(POSTGRES_URL, { schema });
    await store.init();
    await store.commit([write('e1', 1, 0, 1)]);
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      await expect(client.query(`DELETE FROM "${schema}".journal`)).rejects.toThrow(/append-only/);
      await expect(client.query(`UPDATE "${schema}".journal SET type = 'x'`)).rejects.toThrow(/append-only/);
    } finally {
      await client.end();
      await store.close();
    }
  });

  it('should give feed positions in commit order to concurrent commits', async () => {
    const schema = freshSchema();
    const store = postgresStore(POSTGRES_URL, { schema, maxConnections: 4 });
    const reader = postgresStore(POSTGRES_URL, { schema, readOnly: true });
    await store.init();
    await reader.init();
    const seen: number[] = [];
    let reading = true;
    const follow = (async () => {
      let after = 0;
      while (reading) {
        const entries = await reader.feed(after, 500);
        for (const e of entries) seen.push(e.position);
        after = entries.at(-1)?.position ?? after;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      for (const e of await reader.feed(after, 10_000)) seen.push(e.position);
    })();
    // Three writers at once over four connections.
    await Promise.all(
      [0, 1, 2].map(async (s) => {
        for (let i = 0; i < 40; i += 1) await store.commit([write(`s${s}-${i}`, 1, 0, 3)]);
      }),
    );
    reading = false;
    await follow;
    // A live reader saw every entry exactly once, in order: no position was filled in behind it.
    expect(seen).toHaveLength(3 * 40 * 3);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(seen.length);
    await Promise.all([store.close(), reader.close()]);
  });

  it("should let another engine take over a stalled holder's execution after its lease, and fence the holder", async () => {
    const schema = freshSchema();
    const other = lockHolder(['postgres', POSTGRES_URL, schema, '1000']);
    await other.until(/ready/);
    other.commit();
    await other.until(/committed 1/);
    const next = postgresStore(POSTGRES_URL, { schema, leaseTtlMs: 1_000 });
    await next.init();
    // Its holder is alive: nothing to take.
    expect((await next.claimDue(Date.now(), 10)).claimed).toEqual([]);
    other.child.kill('SIGSTOP');
    await sleep(1_500);
    const { claimed } = await next.claimDue(Date.now(), 10);
    expect(claimed.map((c) => c.execution)).toMatchObject([{ id: 'held', fence: 2, revision: 1 }]);
    expect((await next.commit([write('held', 2, 1, 1, { status: 'Completed', fence: 2 })])).lost).toEqual([]);
    other.child.kill('SIGCONT');
    other.commit();
    await other.until(/lost held/);
    expect(await next.get('held')).toMatchObject({ revision: 2, status: 'Completed', fence: 2 });
    expect(next.ownership?.stats()).toMatchObject({ claimed: 1, lost: 0, held: 0 });
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const log = await client.query<{ fence: string; owner: string }>(
        `SELECT fence, owner FROM "${schema}".lease_log WHERE execution_id = 'held' ORDER BY fence`,
      );
      expect(log.rows.map((r) => Number(r.fence))).toEqual([1, 2]);
      expect(log.rows[1]?.owner).toBe(next.ownership?.engineId);
      expect(log.rows[0]?.owner).toContain(`:${other.child.pid}:`);
    } finally {
      await client.end();
      await next.close();
    }
  });

  it('should delete the lease history and the dead engines older than it keeps, and nothing newer', async () => {
    const schema = freshSchema();
    const first = postgresStore(POSTGRES_URL, { schema });
    await first.init();
    await first.commit([write('e1', 1, 0, 1)]);
    await first.close();
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      // A week-old take, and an engine killed a week ago (its row left behind), beside fresh ones.
      await client.query(`INSERT INTO "${schema}".lease_log (execution_id, fence, owner, taken_at)
        VALUES ('old', 1, 'gone:1:x', now() - interval '8 days'), ('old', 2, 'gone:1:x', now() - interval '30 minutes')`);
      await client.query(`INSERT INTO "${schema}".engines (id, host, pid, started_at, heartbeat_at)
        VALUES ('gone:1:x', 'gone', 1, now() - interval '9 days', now() - interval '8 days'),
               ('quiet:2:y', 'quiet', 2, now() - interval '2 hours', now() - interval '30 minutes')`);
      const store = postgresStore(POSTGRES_URL, { schema, leaseHistoryMs: 60 * 60 * 1000 });
      await store.init();
      const remaining = async () => ({
        log: (
          await client.query<{ id: string; fence: string }>(
            `SELECT execution_id AS id, fence FROM "${schema}".lease_log ORDER BY execution_id, fence`,
          )
        ).rows.map((r) => `${r.id}@${r.fence}`),
        engines: (await client.query<{ id: string }>(`SELECT id FROM "${schema}".engines ORDER BY id`)).rows.map(
          (r) => r.id,
        ),
      });
      // The first prune runs as the store opens, beside it.
      for (let i = 0; i < 100 && (await remaining()).log.includes('old@1'); i += 1) await sleep(20);
      const after = await remaining();
      expect(after.log).toEqual(['e1@1', 'old@2']);
      expect(after.engines).toEqual([store.ownership?.engineId, 'quiet:2:y'].sort());
      await store.close();
    } finally {
      await client.end();
    }
  });

  it('should read, in one query each, which of many executions and commands are settled', async () => {
    const store = postgresStore(POSTGRES_URL, { schema: freshSchema() });
    await store.init();
    try {
      await store.commit([
        write('done', 1, 0, 1, { status: 'Completed' }),
        write('failed', 1, 0, 1, { status: 'Failed' }),
        write('running', 1, 0, 1),
      ]);
      const settled = await store.settledExecutions?.(['done', 'failed', 'running', 'unknown']);
      expect(settled?.map((e) => e.id).sort()).toEqual(['done', 'failed']);
      const [pending] = await store.appendCommands([
        { executionId: 'running', body: { kind: 'cancel', reason: 'x' }, at: Date.now() },
      ]);
      const [applied] = await store.appendCommands([
        { executionId: 'running', body: { kind: 'cancel', reason: 'y' }, at: Date.now() },
      ]);
      const pendingId = pending?.id ?? -1;
      const appliedId = applied?.id ?? -1;
      expect(await store.settledCommands?.([pendingId, appliedId, 987_654])).toEqual([]);
      // The holder settles one of them with its next write.
      await store.commit([{ ...write('running', 2, 1, 1), commands: [{ id: appliedId }] }]);
      expect((await store.settledCommands?.([pendingId, appliedId, 987_654]))?.map((c) => [c.id, c.state])).toEqual([
        [appliedId, 'applied'],
      ]);
    } finally {
      await store.close();
    }
  });

  it('should refuse a lease history that is not a positive whole number of ms', () => {
    expect(() => postgresStore(POSTGRES_URL, { leaseHistoryMs: 0 })).toThrow(/Invalid leaseHistoryMs 0/);
  });

  it('should name the server and not the password when it cannot connect', async () => {
    const store = postgresStore('postgres://someone:secret@127.0.0.1:1/nowhere');
    const error = await store.init().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(/PostgreSQL store postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/nowhere/);
    expect((error as Error).message).not.toContain('secret');
    await store.close();
  });

  it('should refuse a schema name that is not a plain identifier', () => {
    expect(() => postgresStore(POSTGRES_URL, { schema: 'x"; DROP TABLE y; --' })).toThrow(
      /Invalid PostgreSQL schema name/,
    );
  });

  it('should work over a pool the application owns, and leave it open', async () => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
    const store = postgresStore(pool, { schema: freshSchema() });
    await store.init();
    await store.commit([write('e1', 1, 0, 2)]);
    expect(await store.journal('e1')).toHaveLength(2);
    await store.close();
    expect((await pool.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
    await pool.end();
  });
});
