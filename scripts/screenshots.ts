// Takes the README's screenshots with Debian's chromium at 1440×900: `npm run screenshots`.
// `node --import tsx scripts/screenshots.ts --serve` keeps the server up to look around.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { defineSaga, SagaEngine, step } from '../src/index.js';
import { sqliteStore } from '../src/sqlite.js';
import { startServer } from '../src/server/startServer.js';
import { createShop, orderFulfillmentSaga } from '../machines/order-fulfillment.js';
import { createBank, loanApprovalSaga } from '../machines/loan-approval.js';
import { createSaas, subscriptionSignupSaga } from '../machines/subscription-signup.js';
import { inspectorDir } from '../src/cli/Command.js';
import { healFaults } from '../machines/participants/faults.js';
import { launchBrowser } from '../test/fixtures/browser.js';
import { screenshotChoreography } from './screenshotChoreography.js';

// A shipment call that never answers: its engine stops mid-step, and the next engine has
// the saga in another shape under the same version, so it refuses to resume it — stuck.
const call = step('bookCourier', {
  run: () => new Promise<string>(() => undefined),
  compensate: 'none',
  timeoutMs: 2000,
});
const parcel = z.object({ parcel: z.string() });
const courierBefore = defineSaga({ name: 'courier-booking', version: 1, input: parcel, steps: [call] });
const courierNow = defineSaga({
  name: 'courier-booking',
  version: 1,
  input: parcel,
  steps: [call, step('notify', { run: () => 'ok', compensate: 'none' })],
});
const file = join(mkdtempSync(join(tmpdir(), 'sagachart-screenshots-')), 'screenshots.db');
const before = new SagaEngine({ store: sqliteStore(file), sagas: [courierBefore] });
await before.start();
await before.execute('courier-booking', { parcel: 'P-1' }, { executionId: 'courier-P1' });
await new Promise((r) => setTimeout(r, 300));
await before.stop();

const engine = new SagaEngine({
  store: sqliteStore(file),
  sagas: [
    orderFulfillmentSaga(createShop()),
    loanApprovalSaga(createBank()),
    subscriptionSignupSaga(createSaas()),
    courierNow,
  ],
});
await engine.start();
const choreography = await screenshotChoreography();
const running = await startServer({
  engine,
  port: Number(process.env['PORT'] ?? 0),
  staticDir: inspectorDir(),
  choreographies: choreography?.board,
});
const until = async (id: string, ok: (e: Awaited<ReturnType<typeof engine.get>>) => boolean) => {
  for (let i = 0; i < 400 && !ok(await engine.get(id)); i++) await new Promise((r) => setTimeout(r, 50));
};

const order = { orderId: 'A1', customerId: 'c1', items: [{ sku: 'SKU-1', qty: 2 }], amount: 40 };
const loan = { applicationId: 'L-42', applicant: 'Ada Lovelace', amount: 25_000 };
// Waiting for an underwriter's decision.
await engine.execute('loan-approval', loan, { executionId: 'loan-42' });
// Past the pivot, the letter cannot be sent: a person must act.
const { id: failed } = await engine.execute(
  'loan-approval',
  { ...loan, applicationId: 'L-43', failAt: 'notifyApplicant' },
  { executionId: 'loan-43' },
);
await until(failed, (e) => JSON.stringify(e.state).includes('underwriterDecision'));
await engine.send(failed, { type: 'underwriter.decided', data: { approved: true, underwriter: 'grace' } });
// A compensation that keeps failing: it retries with a growing backoff.
const { id: backoff } = await engine.execute(
  'subscription-signup',
  { accountId: 'acme', email: 'ops@acme.test', plan: 'team', failAt: 'chargeFirstMonth,deleteAccount', failTimes: 50 },
  { executionId: 'signup-acme' },
);
// Out of stock: undone in reverse, Compensated.
await engine.execute('order-fulfillment', { ...order, failAt: 'reserveStock' }, { executionId: 'order-A1' });
await engine.execute('order-fulfillment', { ...order, orderId: 'A2' }, { executionId: 'order-A2' });
// The README's walkthrough: fail, look, fix (heal), retry.
const { id: heal } = await engine.execute(
  'loan-approval',
  { applicationId: 'L7', applicant: 'Ada', amount: 500, failAt: 'notifyApplicant' },
  { executionId: 'loan-7' },
);
await until(heal, (e) => JSON.stringify(e.state).includes('underwriterDecision'));
await engine.send(heal, { type: 'underwriter.decided', data: { approved: true, underwriter: 'grace' } });
await until(heal, (e) => e.status === 'Failed');
await until(failed, (e) => e.status === 'Failed');
await until(backoff, (e) => (e.timers[`compensation-backoff:createAccount`] ?? 0) - Date.now() > 3000);

if (process.argv.includes('--serve')) {
  console.log(`inspector at ${running.url}`);
} else {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const shot = async (hash: string, file: string, ready: string) => {
      await page.goto(`${running.url}/#${hash}`);
      await page.locator(ready).first().waitFor();
      await page.waitForTimeout(300);
      await page.screenshot({ path: `docs/${file}` });
    };
    await shot('/execution/loan-42', 'execution-waiting.png', '[data-testid=send-type]');
    await shot('/execution/signup-acme', 'execution-backoff.png', '.wait-retry');
    await shot('/execution/loan-43', 'execution-failed.png', '[data-testid=retry-plan]');
    await shot('/execution/order-A1', 'execution-compensated.png', 'tr[data-type=SagaCompensated]');
    await shot('/execution/loan-7', 'heal-failed.png', '[data-testid=retry-plan]');
    healFaults('loan-7');
    await page.getByTestId('retry').click();
    await page.locator('[data-testid=status]', { hasText: 'Completed' }).waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: 'docs/heal-completed.png' });
    await shot('/saga/subscription-signup', 'saga-view.png', '.saga-node');
    await page.getByTestId('view-statechart').click();
    await page.locator('svg.chart').waitFor();
    await page.screenshot({ path: 'docs/statechart.png' });
    while ((await engine.list({ overdueBefore: Date.now() - 1500 })).items.length === 0) await page.waitForTimeout(100);
    await shot('/?stuck=1', 'executions.png', '[data-testid=stuck-table] tbody tr');
    await shot(
      '/?saga=order-fulfillment&input=customerId%3Dc1',
      'executions-filtered.png',
      '[data-testid=executions] tbody tr',
    );
    await shot('/execution/order-A1', 'statechart-time-travel.png', 'tr[data-type=SagaCompensated]');
    await page.getByTestId('view-statechart').click();
    await page.locator('svg.chart').waitFor();
    const journal = await engine.journal('order-A1');
    const failedAt = journal.findIndex((e) => e.type === 'CompensationStarted') + 1;
    await page.getByTestId('scrubber').fill(String(failedAt));
    await page.waitForTimeout(300);
    await page.screenshot({ path: 'docs/statechart-time-travel.png' });
    await shot('/compare/order-A1/order-A2', 'compare.png', '[data-testid=compare-table] tbody tr');
    if (choreography !== undefined) {
      await shot('/choreography/order-choreography', 'choreography.png', '[data-testid=instances] tr.flagged');
      await shot('/choreography/order-choreography/order-1041-3', 'choreography-instance.png', 'g.state.current');
    }
  } finally {
    await browser.close();
    await running.close();
    await engine.stop();
    await choreography?.stopNats();
  }
}
