import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SagaEngine, type ExecutionView } from '../../src/index.js';
import { sqliteStore } from '../../src/sqlite.js';
import { createShop, orderFulfillmentSaga } from '../../machines/order-fulfillment.js';
import { BACKOFF_MS, expectedStatus } from './crashPlan.js';
import { readLedger, STEP_LEDGERS } from './ledger.js';
import { killRepeatedly, sleep, startWorker } from './processes.js';

const SAGAS = 300;
const MIN_KILLS = 25;

describe('crash safety', () => {
  it(`should lose and duplicate nothing across ${MIN_KILLS}+ SIGKILLs of a real engine process`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sagachart-crash-'));
    const engineDb = join(dir, 'engine.db');
    const ledgerDb = join(dir, 'ledger.db');
    // All settled before enough kills: a run that finishes quickly kills nothing more.
    const kills = await killRepeatedly(
      ['orders', engineDb, ledgerDb, String(SAGAS)],
      MIN_KILLS,
      () => 30 + Math.random() * 170,
    );
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);

    // Read what happened, from the engine's store and the participants' own ledger.
    const engine = new SagaEngine({ store: sqliteStore(engineDb), sagas: [orderFulfillmentSaga(createShop())] });
    await engine.start();
    const ledger = readLedger(ledgerDb);
    // Counts leave out tombstones (applied_at = 0: an undo for a key never applied); none are expected here.
    const effectsOf = ledger.db.prepare(
      "SELECT count(*) AS n FROM effects WHERE key LIKE ? || ':%' AND applied_at > 0",
    );
    const undoCalls = ledger.db.prepare("SELECT ledger, key FROM calls WHERE kind = 'undo'").all() as {
      ledger: string;
      key: string;
    }[];
    const unknownOutcomes: string[] = [];
    const outcomes = new Map<string, ExecutionView>();
    try {
      for (let i = 0; i < SAGAS; i += 1) {
        const id = `o-${i}`;
        const view = await engine.get(id);
        // On a loaded machine a step can outlive its timeout across kills and restarts (timers keep
        // their due time): its outcome is then unknown and the saga compensates it. Nothing else may differ.
        expect(view.status, id).toBe(view.unknown.length > 0 ? 'Compensated' : expectedStatus(i));
        if (view.unknown.length > 0) unknownOutcomes.push(`${id}: ${view.unknown.join(', ')}`);

        // Journals are gap-free, start once and end with the outcome.
        const journal = await engine.journal(id);
        expect(
          journal.map((e) => e.seq),
          id,
        ).toEqual(journal.map((_, n) => n + 1));
        expect(
          journal.filter((e) => e.type === 'SagaStarted'),
          id,
        ).toHaveLength(1);
        expect(journal.at(-1)?.type, id).toBe(`Saga${view.status}`);

        for (const [step, name] of STEP_LEDGERS) {
          const row = ledger.effect(name, `${id}:${step}`);
          const completed = view.completed.includes(step);
          if (view.unknown.includes(step)) {
            // Applied or not, an unknown outcome was compensated: nothing of it is left.
            expect(row === undefined || row.undone_at !== null, `${id} ${step} left behind`).toBe(true);
            continue;
          }
          // Completed steps applied their effect exactly once (one row per key); others none.
          expect(row !== undefined, `${id} ${step} applied`).toBe(completed);
          // Compensated sagas have undone every effect; completed ones undid nothing.
          if (completed) expect(row?.undone_at !== null, `${id} ${step} undone`).toBe(view.status === 'Compensated');
        }
        // No participant saw a second key for the same step (keys stay stable across restarts).
        const applied = (effectsOf.get(id) as { n: number }).n;
        expect(applied, id).toBeGreaterThanOrEqual(view.completed.length);
        expect(applied, id).toBeLessThanOrEqual(view.completed.length + view.unknown.length);
        outcomes.set(id, view);
      }
      // No compensation ever touched an effect that was not applied, unless its outcome was unknown.
      for (const call of undoCalls) {
        const [execution = '', step = ''] = call.key.split(':');
        if (outcomes.get(execution)?.unknown.includes(step) === true) continue;
        expect(ledger.effect(call.ledger, call.key), `undo of ${call.key}`).toBeDefined();
      }
      if (unknownOutcomes.length > 0) console.log(`steps that outlived their timeout: ${unknownOutcomes.join('; ')}`);
    } finally {
      ledger.close();
      await engine.stop();
    }
  }, 240_000);

  it('should wait only the remaining backoff after a kill, not the full delay and not forever', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sagachart-backoff-'));
    const engineDb = join(dir, 'engine.db');
    const ledgerDb = join(dir, 'ledger.db');
    const first = startWorker(['backoff', engineDb, ledgerDb]);
    const dueAt = Number((await first.printed(/scheduled (\d+)/))[1]);
    // The backoff is longer than the worker's passivation threshold: it waits parked in the store.
    const parkedStore = sqliteStore(engineDb, { readOnly: true });
    await parkedStore.init();
    for (let i = 0; i < 1000 && (await parkedStore.get('backoff-1'))?.parked !== true; i += 1) await sleep(20);
    expect(await parkedStore.get('backoff-1')).toMatchObject({ parked: true, wakeAt: dueAt });
    await parkedStore.close();
    first.child.kill('SIGKILL');
    expect(await first.exit).toBe('SIGKILL');

    // Down for half the backoff, so about half of it remains when the engine comes back.
    await sleep(BACKOFF_MS / 2);
    const second = startWorker(['backoff', engineDb, ledgerDb]);
    const resumedAt = Number((await second.printed(/starting (\d+)/))[1]);
    expect(await second.exit, second.output()).toBe(0);
    const store = sqliteStore(engineDb, { readOnly: true });
    await store.init();
    const journal = await store.journal('backoff-1');
    await store.close();
    const retried = journal.find((e) => e.type === 'StepStarted' && e.attempt === 2);
    expect(retried, JSON.stringify(journal)).toBeDefined();
    // Not earlier than the original due time.
    expect(retried?.at).toBeGreaterThanOrEqual(dueAt);
    // A full backoff counted from the restart could not start it before resumedAt + BACKOFF_MS; the
    // remaining one starts it at most BACKOFF_MS / 2 after resumedAt, which leaves a loaded machine
    // half the backoff for late timers and a slow resume.
    expect((retried?.at ?? 0) - resumedAt).toBeLessThan(BACKOFF_MS);
    expect(journal.at(-1)?.type).toBe('SagaCompleted');
  }, 60_000);
});
