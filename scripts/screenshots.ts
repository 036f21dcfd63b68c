// Takes the README's screenshots with Debian's chromium: `npm run screenshots`.
import { memoryStore, SagaEngine } from '../src/index.js';
import { startServer } from '../src/server/startServer.js';
import { createShop, orderFulfillmentSaga } from '../machines/order-fulfillment.js';
import { inspectorDir } from '../src/cli/Command.js';
import { launchBrowser } from '../test/fixtures/browser.js';

const engine = new SagaEngine({ store: memoryStore(), sagas: [orderFulfillmentSaga(createShop())] });
await engine.start();
const running = await startServer({ engine, port: 0, staticDir: inspectorDir() });
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
  await page.goto(`${running.url}/#/saga/order-fulfillment`);
  await page.locator('svg.chart').waitFor();
  await page.screenshot({ path: 'docs/saga-view.png', fullPage: true });

  const order = { orderId: 'A1', customerId: 'c1', items: [{ sku: 'SKU-1', qty: 2 }], amount: 40 };
  const { id } = await engine.execute(
    'order-fulfillment',
    { ...order, failAt: 'createShipment,refundPayment', failTimes: 3 },
    { executionId: 'order-A1' },
  );
  await page.goto(`${running.url}/#/execution/${id}`);
  await page.locator('[data-testid=status]', { hasText: 'Compensating' }).waitFor();
  await page.locator('tr[data-type=StepRetryScheduled]').nth(1).waitFor();
  await page.screenshot({ path: 'docs/execution-compensating.png', fullPage: true });
  await page.locator('[data-testid=status]', { hasText: 'Compensated' }).waitFor({ timeout: 10_000 });
  await page.goto(`${running.url}/#/`);
  await page.locator('table.executions tbody tr').first().waitFor();
  await page.screenshot({ path: 'docs/executions.png', fullPage: true });
} finally {
  await browser.close();
  await running.close();
}
