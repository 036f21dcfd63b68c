import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SagaEngine } from '../../src/index.js';
import { sqliteStore } from '../../src/sqlite.js';
import { readLedger } from './ledger.js';
import { sqliteLedgers } from '../fixtures/sqliteLedgers.js';
import { APPROVAL_TIMEOUT_MS, expectedParkedStatus, parkedPlan, parkedSagas } from './parkedSagas.js';
import { killRepeatedly } from './processes.js';

const SAGAS = 120;
const MIN_KILLS = 15;

describe('crash safety of passivation', () => {
  it(`should fire every timer once and apply every command once across ${MIN_KILLS}+ SIGKILLs`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sagachart-parked-'));
    const engineDb = join(dir, 'engine.db');
    const ledgerDb = join(dir, 'ledger.db');
    // Kill while executions park, wake, take commands and back off.
    const kills = await killRepeatedly(
      ['parked', engineDb, ledgerDb, String(SAGAS)],
      MIN_KILLS,
      () => 40 + Math.random() * 360,
    );
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);

    const { ledgers, db: ledgerHandle } = sqliteLedgers(ledgerDb);
    const engine = new SagaEngine({ store: sqliteStore(engineDb), sagas: parkedSagas(ledgers) });
    await engine.start();
    const store = new Database(engineDb, { readonly: true });
    const acks = existsSync(`${engineDb}.acks`) ? readFileSync(`${engineDb}.acks`, 'utf8').trim().split('\n') : [];
    const ledgerReader = readLedger(ledgerDb);
    try {
      // No command is left behind: every one appended was applied or refused.
      expect(store.prepare("SELECT count(*) AS n FROM inbox WHERE state = 'pending'").get()).toEqual({ n: 0 });
      // The commands really went through the inbox (the executions were parked), refusals included.
      const states = store.prepare('SELECT state, count(*) AS n FROM inbox GROUP BY state').all() as {
        state: string;
        n: number;
      }[];
      expect(states.find((s) => s.state === 'applied')?.n ?? 0).toBeGreaterThan(SAGAS / 4);
      expect(states.find((s) => s.state === 'refused')?.n ?? 0).toBeGreaterThan(0);
      const inboxOf = store.prepare('SELECT body, state FROM inbox WHERE execution_id = ? ORDER BY id');
      for (let i = 0; i < SAGAS; i += 1) {
        const id = `p-${i}`;
        const plan = parkedPlan(i);
        const view = await engine.get(id);
        expect(view.status, id).toBe(expectedParkedStatus(i));
        const journal = await engine.journal(id);
        const where = `${id} ${JSON.stringify(journal)}`;
        expect(
          journal.map((e) => e.seq),
          where,
        ).toEqual(journal.map((_, n) => n + 1));
        expect(journal.filter((e) => e.type === 'SagaStarted')).toHaveLength(1);
        expect(journal.at(-1)?.type, where).toBe(`Saga${view.status}`);

        // Every backoff fired once, not before its due time.
        for (const scheduled of journal.filter((e) => e.type === 'StepRetryScheduled')) {
          const { dueAt } = scheduled.data as { dueAt: number };
          const started = journal.filter(
            (e) => e.type === 'StepStarted' && e.step === scheduled.step && e.attempt === scheduled.attempt,
          );
          expect(started, where).toHaveLength(1);
          expect(started[0]?.at ?? 0, where).toBeGreaterThanOrEqual(dueAt);
        }
        // Every attempt started once, whatever the kills.
        const attempts = journal.filter((e) => e.type === 'StepStarted').map((e) => `${e.step}#${e.attempt}`);
        expect(new Set(attempts).size, where).toBe(attempts.length);
        // The approval timeout fired once, not before its due time.
        const timedOut = journal.filter((e) => e.type === 'StepFailed' && e.step === 'approval');
        if (plan.action === 'timeout') {
          const waited = journal.find((e) => e.type === 'StepStarted' && e.step === 'approval');
          expect(timedOut, where).toHaveLength(1);
          expect(timedOut[0]?.at ?? 0, where).toBeGreaterThanOrEqual((waited?.at ?? 0) + APPROVAL_TIMEOUT_MS - 5);
        } else {
          expect(timedOut, where).toHaveLength(0);
        }

        // Commands: each took effect at most once; an acknowledged one took effect.
        const received = journal.filter((e) => e.type === 'EventReceived');
        const cancelled = journal.filter((e) => e.type === 'CancelRequested');
        const commands = inboxOf.all(id) as { body: string; state: string }[];
        const applied = (kind: string) =>
          commands.filter((c) => c.state === 'applied' && (JSON.parse(c.body) as { kind: string }).kind === kind);
        expect(received.length, where).toBe(plan.action === 'approve' || plan.action === 'wrong' ? 1 : 0);
        expect(cancelled.length, where).toBe(plan.action === 'cancel' ? 1 : 0);
        expect(applied('send').length, where).toBeLessThanOrEqual(received.length);
        expect(applied('cancel').length, where).toBeLessThanOrEqual(cancelled.length);
        expect(applied('send').length + applied('cancel').length + applied('retry').length).toBeLessThanOrEqual(1);
        if (acks.includes(`${id} send`)) expect(received, where).toHaveLength(1);
        if (acks.includes(`${id} cancel`)) expect(cancelled, where).toHaveLength(1);

        // The participants saw each effect once, undone exactly when the saga compensated.
        for (const [step, ledger] of [
          ['reserve', 'holds'],
          ['charge', 'charges'],
          ['ship', 'shipments'],
        ] as const) {
          const row = ledgerReader.effect(ledger, `${id}:${step}`);
          const completed = view.completed.includes(step);
          expect(row !== undefined, `${id} ${step} applied`).toBe(completed);
          if (completed) expect(row?.undone_at !== null, `${id} ${step} undone`).toBe(view.status === 'Compensated');
        }
      }
      const dup = ledgerHandle
        .prepare("SELECT count(*) AS n FROM effects WHERE key LIKE 'p-%' GROUP BY ledger, key HAVING n > 1")
        .all();
      expect(dup).toEqual([]);
    } finally {
      store.close();
      ledgerHandle.close();
      ledgerReader.close();
      await engine.stop();
    }
  }, 240_000);
});
