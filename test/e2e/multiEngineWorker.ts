// One of several real engine processes sharing one PostgreSQL schema, meant to be killed
// (SIGKILL) and stalled (SIGSTOP) at any moment.
// Usage: multiEngineWorker.ts <postgresUrl> <schema> <ledger.db> <from> <to> <leaseTtlMs>
// Starts order-fulfillment sagas o-<from>..o-<to - 1> (ids fixed, so a restart starts only the
// ones not started yet) at a steady pace; every engine claims what is due or orphaned, whoever
// started it. Prints "ready", then "stats held=H claimed=C lost=L" every 100 ms, until killed.
import { SagaEngine } from '../../src/index.js';
import { postgresStore } from '../../src/postgres.js';
import { createShop, orderFulfillmentSaga } from '../../machines/order-fulfillment.js';
import { sqliteLedgers } from '../fixtures/sqliteLedgers.js';
import { orderInputFor } from './crashPlan.js';

const [url = '', schema = '', ledgerDb = '', fromArg = '0', toArg = '0', ttlArg = '1500'] = process.argv.slice(2);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const { ledgers } = sqliteLedgers(ledgerDb);
const shop = createShop({ stock: { 'SKU-1': 1e9 }, ledgers, latency: () => sleep(5 + Math.random() * 40) });
const saga = orderFulfillmentSaga(shop);
const engine = new SagaEngine({
  store: postgresStore(url, { schema, leaseTtlMs: Number(ttlArg), maxConnections: 5 }),
  sagas: [saga],
  passivation: { thresholdMs: 50, pollIntervalMs: 100 },
});
await engine.start();
console.log('ready');
setInterval(() => {
  const stats = engine.ownershipStats();
  if (stats !== undefined) console.log(`stats held=${stats.held} claimed=${stats.claimed} lost=${stats.lost}`);
}, 100);
for (let i = Number(fromArg); i < Number(toArg); i += 1) {
  await engine.execute(saga, orderInputFor(i), { executionId: `o-${i}` });
  await sleep(10 + Math.random() * 20);
}
console.log('all started');
