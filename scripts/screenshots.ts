// Takes the README's screenshots with Debian's chromium at 1440×900: `npm run screenshots`.
// `node --import tsx scripts/screenshots.ts --serve` keeps the server up to look around.
import { memoryStore, SagaEngine } from '../src/index.js';
import { startServer } from '../src/server/startServer.js';
import { createShop, orderFulfillmentSaga } from '../machines/order-fulfillment.js';
import { createBank, loanApprovalSaga } from '../machines/loan-approval.js';
import { createSaas, subscriptionSignupSaga } from '../machines/subscription-signup.js';
import { inspectorDir } from '../src/cli/Command.js';
import { launchBrowser } from '../test/fixtures/browser.js';

const engine = new SagaEngine({
  store: memoryStore(),
  sagas: [orderFulfillmentSaga(createShop()), loanApprovalSaga(createBank()), subscriptionSignupSaga(createSaas())],
});
await engine.start();
const running = await startServer({ engine, port: Number(process.env['PORT'] ?? 0), staticDir: inspectorDir() });
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
    await shot('/saga/subscription-signup', 'saga-view.png', '.saga-node');
    await page.getByTestId('view-statechart').click();
    await page.locator('svg.chart').waitFor();
    await page.screenshot({ path: 'docs/statechart.png' });
    await shot('/', 'executions.png', 'table.executions tbody tr');
    await shot('/compare/order-A1/order-A2', 'compare.png', '[data-testid=compare-table] tbody tr');
  } finally {
    await browser.close();
    await running.close();
    await engine.stop();
  }
}
