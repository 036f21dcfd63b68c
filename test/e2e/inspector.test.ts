import type { Browser, Page } from 'playwright-core';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineSaga, memoryStore, SagaEngine, step } from '../../src/index.js';
import { inspectorDir } from '../../src/cli/Command.js';
import { startServer, type RunningServer } from '../../src/server/startServer.js';
import { createShop, orderFulfillmentSaga } from '../../machines/order-fulfillment.js';
import { browserAvailable, launchBrowser } from '../fixtures/browser.js';

const order = { orderId: 'A1', customerId: 'c1', items: [{ sku: 'SKU-1', qty: 1 }], amount: 10 };
let broken = true;
const fragile = defineSaga({
  name: 'fragile',
  version: 1,
  input: z.object({ message: z.string() }),
  steps: [
    step('commit', { run: () => 'ok', pivot: true }),
    step('notify', {
      retry: { maxAttempts: 1 },
      run: ({ input }) => {
        if (broken) throw new Error(input.message);
        return 'sent';
      },
    }),
  ],
});

describe.runIf(browserAvailable())('inspector in Chromium', () => {
  let browser: Browser;
  let server: RunningServer;
  let engine: SagaEngine;
  let page: Page;
  const dialogs: string[] = [];

  beforeAll(async () => {
    const dir = inspectorDir();
    if (dir === undefined) throw new Error('the inspector is not built: run npm run build');
    engine = new SagaEngine({ store: memoryStore(), sagas: [orderFulfillmentSaga(createShop()), fragile] });
    await engine.start();
    server = await startServer({ engine, port: 0, staticDir: dir });
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('should light up Compensating, then Compensated, with the journal rows in order', async () => {
    const { id } = await engine.execute(
      'order-fulfillment',
      { ...order, failAt: 'processPayment,cancelOrder', failTimes: 3 },
      { executionId: 'pay-fails' },
    );
    await page.goto(`${server.url}/#/execution/${id}`);
    const status = page.getByTestId('status');
    await status.filter({ hasText: 'Compensating' }).waitFor();
    await page.locator('g.state.active[data-state="order-fulfillment.Compensating"]').waitFor();
    await status.filter({ hasText: 'Compensated' }).waitFor({ timeout: 15_000 });
    await page.locator('g.state.current[data-state="order-fulfillment.Compensated"]').waitFor();
    await page.locator('tr[data-type=SagaCompensated]').waitFor();
    const rows = await page
      .locator('[data-testid=timeline] tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-type')));
    expect(rows).toEqual((await engine.journal(id)).map((e) => e.type));
    expect(await page.locator('g.state.compensated[data-state="order-fulfillment.Running.createOrder"]').count()).toBe(
      1,
    );
    expect(await page.locator('g.state.failed[data-state="order-fulfillment.Running.processPayment"]').count()).toBe(1);
  });

  it('should retry a Failed execution from its button and show it finish', async () => {
    broken = true;
    const { id } = await engine.execute('fragile', { message: 'smtp down' });
    await page.goto(`${server.url}/#/execution/${id}`);
    await page.getByTestId('status').filter({ hasText: 'Failed' }).waitFor();
    await expect(page.getByTestId('banner').textContent()).resolves.toContain('A person must act.');
    broken = false;
    await page.getByTestId('retry').click();
    await page.getByTestId('status').filter({ hasText: 'Completed' }).waitFor();
    await page.locator('tr[data-type=ManualRetry]').waitFor();
    expect((await engine.get(id)).status).toBe('Completed');
  });

  it('should show a step error as text, never run it', async () => {
    broken = true;
    const attack = '<img src=x onerror=alert(1)>';
    const { id } = await engine.execute('fragile', { message: attack });
    await page.goto(`${server.url}/#/execution/${id}`);
    await page.getByTestId('status').filter({ hasText: 'Failed' }).waitFor();
    const detail = page.locator('tr[data-type=StepFailed] td.detail');
    await expect(detail.textContent()).resolves.toBe(`Error: ${attack}`);
    await expect(page.getByTestId('banner').textContent()).resolves.toContain(attack);
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('should list executions with status counts and open the saga chart', async () => {
    await page.goto(`${server.url}/#/?saga=order-fulfillment`);
    await page.locator('table.executions tbody tr[data-id="pay-fails"]').waitFor();
    await expect(page.getByTestId('counts').textContent()).resolves.toContain('Compensated 1');
    await page.goto(`${server.url}/#/saga/order-fulfillment`);
    await page.locator('g.state[data-state="order-fulfillment.Running.createShipment"]').waitFor();
    expect(await page.locator('g.state.state-final').count()).toBe(2);
  });
});
