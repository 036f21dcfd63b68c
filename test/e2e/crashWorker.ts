// A real engine process for crash tests, meant to be killed with SIGKILL at any moment.
// Usage: crashWorker.ts <mode> <engine.db> <ledger.db> <count>
//   mode "orders": starts order-fulfillment sagas o-0..o-(count-1) with seeded random faults,
//                  at a steady pace, and exits 0 once every one is settled.
//   mode "backoff": starts one saga whose step fails once and retries after BACKOFF_MS (parked: the
//                   worker's passivation threshold is shorter); exits when it settles.
//                   Prints "scheduled <dueAt>" once the retry is durably scheduled.
//   mode "parked": starts parked sagas p-0..p-(count-1) that wait for an event or back off, each parked
//                  in the store, and sends, cancels or lets time out as parkedPlan says, logging every
//                  acknowledged command to <engine.db>.acks; exits 0 once every one is settled.
// All print "starting <ms>" just before the engine starts (resumes), then "ready".
// Runs alternate where SQLite commits: on the main thread, then on a commit thread (what
// `sagachart serve` uses), and so on, counted in <engine.db>.runs, so kills land in both.
import { z } from 'zod';
import { defineSaga, SagaEngine, step, type AnySagaDefinition } from '../../src/index.js';
import { sqliteStore } from '../../src/sqlite.js';
import { createShop, orderFulfillmentSaga } from '../../machines/order-fulfillment.js';
import { sqliteLedgers } from '../fixtures/sqliteLedgers.js';
import { BACKOFF_MS, orderInputFor } from './crashPlan.js';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { InvalidOperationError } from '../../src/index.js';
import { parkedPlan, parkedSagaName, parkedSagas } from './parkedSagas.js';

const [mode = 'orders', engineDb = '', ledgerDb = '', countArg = '300'] = process.argv.slice(2);
const count = Number(countArg);
const { ledgers } = sqliteLedgers(ledgerDb);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const shop = createShop({
  stock: { 'SKU-1': 1e9 },
  ledgers,
  latency: () => sleep(5 + Math.random() * 30),
});

const backoffSaga = defineSaga({
  name: 'backoff-once',
  version: 1,
  input: z.object({}),
  steps: [
    step('flaky', {
      compensate: 'none',
      retry: { maxAttempts: 2, initialDelayMs: BACKOFF_MS },
      run: ({ attempt, idempotencyKey }) => {
        ledgers('flaky').apply(`${idempotencyKey}#${attempt}`, () => ({ attempt }));
        if (attempt === 1) throw new Error('first attempt fails');
        return { attempt };
      },
    }),
  ],
});

const sagas: AnySagaDefinition[] = [orderFulfillmentSaga(shop), backoffSaga, ...parkedSagas(ledgers)];
// A short threshold: every wait of these sagas parks in the store (the backoff included).
const runsFile = `${engineDb}.runs`;
const run = (existsSync(runsFile) ? Number(readFileSync(runsFile, 'utf8')) : 0) + 1;
writeFileSync(runsFile, String(run));
const engine = new SagaEngine({
  store: sqliteStore(engineDb, { commitThread: run % 2 === 0 }),
  sagas,
  passivation: { thresholdMs: 20, pollIntervalMs: 50 },
});
engine.subscribe(({ entries }) => {
  for (const entry of entries) {
    if (entry.type === 'StepRetryScheduled') console.log(`scheduled ${(entry.data as { dueAt: number }).dueAt}`);
  }
});
console.log(`starting ${Date.now()}`);
await engine.start();
console.log('ready');

const ids: string[] = [];
if (mode === 'backoff') {
  ids.push((await engine.execute(backoffSaga, {}, { executionId: 'backoff-1' })).id);
} else if (mode === 'parked') {
  const ack = (line: string) => appendFileSync(`${engineDb}.acks`, `${line}\n`);
  const act = async (i: number, id: string): Promise<void> => {
    const plan = parkedPlan(i);
    await sleep(plan.delayMs);
    // Act only while it waits at the approval (a restart repeats what it did not see acknowledged).
    for (let tries = 0; tries < 200; tries += 1) {
      const view = await engine.get(id);
      if (view.status !== 'Running') return;
      if (JSON.stringify(view.state) === JSON.stringify({ Running: 'approval' })) break;
      await sleep(20);
    }
    try {
      if (plan.action === 'cancel') {
        await engine.cancel(id, 'customer cancelled');
        ack(`${id} cancel`);
        return;
      }
      if (plan.action === 'wrong') {
        const refused = await engine.send(id, { type: 'rejected' }).then(
          () => false,
          (error: unknown) => error instanceof InvalidOperationError,
        );
        if (!refused) {
          console.error(`${id}: an event it does not wait for was not refused`);
          process.exit(1);
        }
      }
      await engine.send(id, { type: 'approved', data: { by: 'worker' } });
      ack(`${id} send`);
    } catch (error) {
      // Refused because an earlier run's command was applied first: that one counts.
      if (!(error instanceof InvalidOperationError)) throw error;
    }
  };
  const actions: Promise<void>[] = [];
  for (let i = 0; i < count; i += 1) {
    const { id } = await engine.execute(
      parkedSagaName(i),
      { chargeFailures: parkedPlan(i).chargeFailures },
      { executionId: `p-${i}` },
    );
    ids.push(id);
    if (parkedPlan(i).action !== 'timeout') actions.push(act(i, id));
  }
  await Promise.all(actions);
} else {
  for (let i = 0; i < count; i += 1) {
    const { id, existing } = await engine.execute('order-fulfillment', orderInputFor(i), { executionId: `o-${i}` });
    ids.push(id);
    if (!existing) await sleep(8);
  }
}
await Promise.all(ids.map((id) => engine.waitFor(id)));
await engine.stop();
console.log('done');
process.exit(0);
