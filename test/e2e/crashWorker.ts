// A real engine process for crash tests, meant to be killed with SIGKILL at any moment.
// Usage: crashWorker.ts <mode> <engine.db> <ledger.db> <count>
//   mode "orders": starts order-fulfillment sagas o-0..o-(count-1) with seeded random faults,
//                  at a steady pace, and exits 0 once every one is settled.
//   mode "backoff": starts one saga whose step fails once and retries after BACKOFF_MS; exits when it settles.
//                  Prints "scheduled <dueAt>" once the retry is durably scheduled.
// Both print "starting <ms>" just before the engine starts (resumes), then "ready".
import { z } from 'zod';
import { defineSaga, SagaEngine, step, type AnySagaDefinition } from '../../src/index.js';
import { sqliteStore } from '../../src/sqlite.js';
import { createShop, orderFulfillmentSaga } from '../../machines/order-fulfillment.js';
import { sqliteLedgers } from '../fixtures/sqliteLedgers.js';
import { BACKOFF_MS, orderInputFor } from './crashPlan.js';

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

const sagas: AnySagaDefinition[] = [orderFulfillmentSaga(shop), backoffSaga];
const engine = new SagaEngine({ store: sqliteStore(engineDb), sagas });
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
