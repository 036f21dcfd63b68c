import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freshSchema, POSTGRES_URL, postgresAvailable } from '../fixtures/postgres.js';
import { expectedStatus } from './crashPlan.js';
import { readLedger, STEP_LEDGERS } from './ledger.js';
import { sleep, startWorker, type WorkerRun } from './processes.js';

const WORKER = join(import.meta.dirname, 'multiEngineWorker.ts');
const ENGINES = 3;
const SAGAS = 510;
const MIN_KILLS = 20;
const MIN_STALLS = 5;
const LEASE_TTL_MS = 1_500;

const available = await postgresAvailable();

/** One engine slot: its process now, and what every process it ran reported last. */
interface Slot {
  readonly args: string[];
  run: WorkerRun;
  lostBefore: number;
}

const lastLost = (run: WorkerRun): number => {
  const all = [...run.output().matchAll(/stats held=\d+ claimed=\d+ lost=(\d+)/g)];
  return Number(all.at(-1)?.[1] ?? 0);
};

describe.runIf(available)('three engine processes on one PostgreSQL schema', () => {
  it(`should lose, duplicate and double-hold nothing across ${MIN_KILLS}+ SIGKILLs and ${MIN_STALLS}+ stalls past the lease`, async () => {
    const schema = freshSchema();
    const ledgerDb = join(mkdtempSync(join(tmpdir(), 'sagachart-engines-')), 'ledger.db');
    const per = SAGAS / ENGINES;
    const slots: Slot[] = Array.from({ length: ENGINES }, (_, i) => {
      const args = [POSTGRES_URL, schema, ledgerDb, String(i * per), String((i + 1) * per), String(LEASE_TTL_MS)];
      return { args, run: startWorker(args, WORKER), lostBefore: 0 };
    });
    // The first one migrates the schema; the others open it as it is.
    await Promise.all(slots.map((s) => s.run.ready));
    const db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    const s = `"${schema}"`;
    const unsettled = async () =>
      Number(
        (
          await db.query<{ n: string }>(
            `SELECT (${SAGAS} - count(*) FILTER (WHERE status IN ('Completed', 'Compensated', 'Failed')))::text AS n
             FROM ${s}.executions`,
          )
        ).rows[0]?.n,
      );
    let kills = 0;
    let stalls = 0;
    const started = Date.now();
    try {
      // Random engines are killed (and restarted) or stalled past their lease, until enough of both.
      while (kills < MIN_KILLS || stalls < MIN_STALLS) {
        await sleep(150 + Math.random() * 350);
        const slot = slots[Math.floor(Math.random() * ENGINES)] as Slot;
        if (stalls < MIN_STALLS && (Math.random() < 0.25 || kills >= MIN_KILLS)) {
          slot.run.child.kill('SIGSTOP');
          // Past the lease: the others take its executions over; it wakes with stale leases.
          await sleep(LEASE_TTL_MS + 500 + Math.random() * 1_000);
          slot.run.child.kill('SIGCONT');
          stalls += 1;
          continue;
        }
        slot.run.child.kill('SIGKILL');
        expect(await slot.run.exit, slot.run.output().slice(-2000)).toBe('SIGKILL');
        slot.lostBefore += lastLost(slot.run);
        kills += 1;
        // Restarted at once; the next kill may land while it is still starting.
        slot.run = startWorker(slot.args, WORKER);
      }
      const chaosEnded = Date.now();
      for (let waited = 0; (await unsettled()) > 0; waited += 200) {
        if (waited > 150_000) {
          const stuck = await db.query(
            `SELECT id, status, owner, parked, wake_at, fence, lease_until < now() AS expired FROM ${s}.executions
             WHERE status NOT IN ('Completed', 'Compensated', 'Failed') LIMIT 5`,
          );
          const tails = slots.map(
            (slot) => `${slot.run.child.exitCode ?? 'running'}: ${slot.run.output().slice(-300)}`,
          );
          throw new Error(
            `${await unsettled()} executions never settled: ${JSON.stringify(stuck.rows)}\n${tails.join('\n')}`,
          );
        }
        await sleep(200);
      }
      console.log(`chaos ${chaosEnded - started} ms, then settled in ${Date.now() - chaosEnded} ms`);
      // Let the last stats lines come in before the processes go.
      await sleep(300);
    } finally {
      for (const slot of slots) slot.run.child.kill('SIGKILL');
    }
    const leasesLost = slots.reduce((sum, slot) => sum + slot.lostBefore + lastLost(slot.run), 0);

    // Every saga ended as planned (or compensated a step whose outcome became unknown), journals gap-free.
    const executions = (
      await db.query<{ id: string; status: string; last_seq: string; snapshot: string }>(
        `SELECT id, status, last_seq::text, snapshot FROM ${s}.executions ORDER BY id`,
      )
    ).rows;
    expect(executions).toHaveLength(SAGAS);
    const ledger = readLedger(ledgerDb);
    const unknown: string[] = [];
    for (const row of executions) {
      const i = Number(row.id.slice(2));
      const context = (JSON.parse(row.snapshot) as { context: { completed: string[]; unknown?: string[] } }).context;
      const steps = context.unknown ?? [];
      if (steps.length > 0) unknown.push(`${row.id}: ${steps.join(',')}`);
      const expected = steps.length > 0 ? 'Compensated' : expectedStatus(i);
      if (row.status !== expected) {
        const journal = await db.query(
          `SELECT j.seq, j.fence, j.type, j.step, j.attempt, j.data, l.owner FROM ${s}.journal j
           LEFT JOIN ${s}.lease_log l ON l.execution_id = j.execution_id AND l.fence = j.fence
           WHERE j.execution_id = $1 ORDER BY j.seq`,
          [row.id],
        );
        const calls = ledger.db.prepare("SELECT * FROM calls WHERE key LIKE ? || ':%' ORDER BY id").all(row.id);
        expect.fail(
          `${row.id} is ${row.status}, expected ${expected}: ${JSON.stringify(journal.rows)} ${JSON.stringify(calls)}`,
        );
      }
      for (const [step, name] of STEP_LEDGERS) {
        const applied = ledger.effect(name, `${row.id}:${step}`);
        if (row.status === 'Compensated') {
          expect(applied === undefined || applied.undone_at !== null, `${row.id} ${step} left behind`).toBe(true);
        } else {
          expect(applied?.undone_at, `${row.id} ${step} applied once, kept`).toBeNull();
        }
      }
    }
    const gaps = await db.query(
      `SELECT e.id FROM ${s}.executions e JOIN ${s}.journal j ON j.execution_id = e.id GROUP BY e.id, e.last_seq
       HAVING count(*) <> e.last_seq OR min(j.seq) <> 1 OR max(j.seq) <> e.last_seq`,
    );
    expect(gaps.rows).toEqual([]);

    // No effect applied twice for one key: the participants' own log of first applications.
    const twice = ledger.db
      .prepare("SELECT ledger, key, count(*) AS n FROM calls WHERE kind = 'made' GROUP BY ledger, key HAVING n > 1")
      .all();
    expect(twice).toEqual([]);
    const effects = ledger.db.prepare('SELECT count(*) AS n FROM effects WHERE applied_at > 0').get() as { n: number };
    const staleCalls = (
      ledger.db.prepare("SELECT count(*) AS n FROM calls WHERE kind LIKE 'stale-%'").get() as { n: number }
    ).n;
    ledger.close();

    // No execution held by two engines at once: each new holder took it with a higher fence
    // (lease_log), and every journal entry was written under the fence current when it was
    // committed — entries of one execution, in commit order, never go back to an older fence.
    const backwards = await db.query(
      `SELECT execution_id FROM (
         SELECT execution_id, fence, lag(fence) OVER (PARTITION BY execution_id ORDER BY position) AS before
         FROM ${s}.journal) t
       WHERE fence < before`,
    );
    expect(backwards.rows).toEqual([]);
    const unlogged = await db.query(
      `SELECT DISTINCT j.execution_id, j.fence FROM ${s}.journal j
       LEFT JOIN ${s}.lease_log l ON l.execution_id = j.execution_id AND l.fence = j.fence WHERE l.fence IS NULL`,
    );
    expect(unlogged.rows).toEqual([]);
    const takeovers = Number(
      (
        await db.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM ${s}.lease_log l JOIN ${s}.lease_log p
             ON p.execution_id = l.execution_id AND p.fence = l.fence - 1 WHERE p.owner <> l.owner`,
        )
      ).rows[0]?.n,
    );
    await db.end();
    console.log(
      `${ENGINES} engines, ${SAGAS} sagas, ${kills} SIGKILLs, ${stalls} SIGSTOPs past the lease: ` +
        `${takeovers} takeovers by another engine, ${leasesLost} leases lost (writes refused by fence), ` +
        `${staleCalls} participant calls refused by fence, ${effects.n} effects; ` +
        `unknown outcomes compensated: ${unknown.length === 0 ? 'none' : unknown.join('; ')}`,
    );
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(stalls).toBeGreaterThanOrEqual(MIN_STALLS);
    expect(takeovers).toBeGreaterThan(0);
  }, 300_000);
});
