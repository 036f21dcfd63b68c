import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { RemoteCommand } from '../../src/index.js';
import { applyOnce, participantPostgres, participantSqlite, type ParticipantStore } from '../../src/participant.js';
import { freshSchema, POSTGRES_URL, postgresAvailable } from '../fixtures/postgres.js';

const command = (kind: 'run' | 'compensate', execution = 'x1'): RemoteCommand => ({
  v: 1,
  key: kind === 'run' ? `${execution}:take` : `${execution}:take:compensate`,
  forwardKey: `${execution}:take`,
  kind,
  executionId: execution,
  saga: 's',
  step: 'take',
  attempt: 1,
  subject: kind === 'run' ? 'stock.take' : 'stock.return',
  payload: { qty: 1 },
});

/** A store with an `effects` table its handlers write to, and a way to read it. */
interface Harness<TTx> {
  store: ParticipantStore<TTx>;
  effect(tx: TTx, key: string, kind: string): Promise<void>;
  effects(): Promise<{ key: string; kind: string }[]>;
}

function sqliteHarness(): Harness<Database.Database> {
  const db = new Database(join(mkdtempSync(join(process.env['TMPDIR'] ?? tmpdir(), 'ledger-')), 'p.db'));
  db.exec('CREATE TABLE effects (key TEXT, kind TEXT)');
  return {
    store: participantSqlite(db),
    effect: (tx, key, kind) => {
      tx.prepare('INSERT INTO effects VALUES (?, ?)').run(key, kind);
      return Promise.resolve();
    },
    effects: () => Promise.resolve(db.prepare('SELECT key, kind FROM effects ORDER BY rowid').all() as never),
  };
}

const pools: pg.Pool[] = [];
afterAll(async () => Promise.all(pools.splice(0).map((p) => p.end())));

async function postgresHarness(): Promise<Harness<pg.PoolClient>> {
  const schema = freshSchema();
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 3 });
  pools.push(pool);
  const store = participantPostgres(pool, { schema });
  await store.init();
  await pool.query(`CREATE TABLE "${schema}".effects (n SERIAL, key TEXT, kind TEXT)`);
  return {
    store,
    effect: async (tx, key, kind) => {
      await tx.query(`INSERT INTO "${schema}".effects (key, kind) VALUES ($1, $2)`, [key, kind]);
    },
    effects: async () => (await pool.query(`SELECT key, kind FROM "${schema}".effects ORDER BY n`)).rows as never,
  };
}

const hasPostgres = await postgresAvailable();

function contract<TTx>(name: string, make: () => Promise<Harness<TTx>>, skip = false): void {
  describe.skipIf(skip)(`applyOnce with ${name}`, () => {
    it('should apply a command once and answer a duplicate with the first output', async () => {
      const h = await make();
      await h.store.init();
      let calls = 0;
      const handler = async (tx: TTx) => {
        calls += 1;
        await h.effect(tx, 'x1:take', 'run');
        return { n: calls };
      };
      expect(await applyOnce(h.store, command('run'), handler)).toEqual({ ok: true, output: { n: 1 } });
      expect(await applyOnce(h.store, command('run'), handler)).toEqual({ ok: true, output: { n: 1 } });
      expect(await h.effects()).toEqual([{ key: 'x1:take', kind: 'run' }]);
    });

    it('should roll back the writes of a handler that throws, and not remember it', async () => {
      const h = await make();
      await h.store.init();
      const failing = async (tx: TTx) => {
        await h.effect(tx, 'x1:take', 'run');
        throw new Error('out of stock');
      };
      expect(await applyOnce(h.store, command('run'), failing)).toEqual({
        ok: false,
        error: { name: 'Error', message: 'out of stock' },
      });
      expect(await h.effects()).toEqual([]);
      expect(await applyOnce(h.store, command('run'), () => Promise.resolve('ok'))).toEqual({ ok: true, output: 'ok' });
    });

    it('should undo an applied command once, handing the compensation its output', async () => {
      const h = await make();
      await h.store.init();
      await applyOnce(h.store, command('run'), () => Promise.resolve({ hold: 'h1' }));
      const seen: unknown[] = [];
      const undo = async (tx: TTx, result: unknown) => {
        seen.push(result);
        await h.effect(tx, 'x1:take', 'undo');
      };
      expect(await applyOnce(h.store, command('compensate'), undo)).toEqual({ ok: true, output: null });
      expect(await applyOnce(h.store, command('compensate'), undo)).toEqual({ ok: true, output: null });
      expect(seen).toEqual([{ hold: 'h1' }]);
      // The undone command arriving again is not applied again.
      expect(await applyOnce(h.store, command('run'), () => Promise.resolve('again'))).toMatchObject({
        ok: false,
        error: { name: 'CompensatedError', permanent: true },
      });
    });

    it('should block a forward command whose compensation came first, without calling either handler', async () => {
      const h = await make();
      await h.store.init();
      let called = 0;
      const count = () => Promise.resolve((called += 1));
      expect(await applyOnce(h.store, command('compensate', 'x2'), count)).toEqual({ ok: true, output: null });
      expect(await applyOnce(h.store, command('run', 'x2'), count)).toMatchObject({
        ok: false,
        error: { name: 'CompensatedError' },
      });
      expect(called).toBe(0);
    });

    it('should refuse a command whose fence is lower than one seen for its execution, writing nothing', async () => {
      const h = await make();
      await h.store.init();
      const fenced = (kind: 'run' | 'compensate', fence: number) => ({ ...command(kind, 'x3'), fence });
      const apply = (kind: 'run' | 'compensate') => async (tx: TTx) => {
        await h.effect(tx, `x3:${kind}`, kind);
        return kind;
      };
      // The new holder (fence 2) runs the step; the replaced one (fence 1) would undo it.
      expect(await applyOnce(h.store, fenced('run', 2), apply('run'))).toEqual({ ok: true, output: 'run' });
      expect(await applyOnce(h.store, fenced('compensate', 1), apply('compensate'))).toEqual({
        ok: false,
        stale: true,
        error: expect.objectContaining({ name: 'StaleFenceError', message: expect.stringContaining('fence 1') }),
      });
      expect(await h.effects()).toEqual([{ key: 'x3:run', kind: 'run' }]);
      // The stale command left no mark: the holder's own compensation (same fence) still applies.
      expect(await applyOnce(h.store, fenced('compensate', 2), apply('compensate'))).toEqual({
        ok: true,
        output: 'compensate',
      });
      expect(await h.effects()).toEqual([
        { key: 'x3:run', kind: 'run' },
        { key: 'x3:compensate', kind: 'compensate' },
      ]);
    });

    it('should not let a stale compensation block the forward command of the current holder', async () => {
      const h = await make();
      await h.store.init();
      // A command of another step (fence 3) tells the participant who holds x4 now.
      expect(
        await applyOnce(h.store, { ...command('run', 'x4'), key: 'x4:other', fence: 3 }, () => Promise.resolve(1)),
      ).toMatchObject({ ok: true });
      expect(
        await applyOnce(h.store, { ...command('compensate', 'x4'), fence: 2 }, () => Promise.resolve(0)),
      ).toMatchObject({ ok: false, stale: true });
      expect(await applyOnce(h.store, { ...command('run', 'x4'), fence: 3 }, () => Promise.resolve('taken'))).toEqual({
        ok: true,
        output: 'taken',
      });
    });
  });
}

contract('participantSqlite', () => Promise.resolve(sqliteHarness()));
contract('participantPostgres', postgresHarness, !hasPostgres);
