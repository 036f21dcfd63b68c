import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitEvent, defineSaga, memoryStore, parallel, SagaEngine, step } from '../../src/index.js';
import { inspectorDir } from '../../src/cli/Command.js';
import { sqliteStore } from '../../src/sqlite.js';
import { startServer, type RunningServer } from '../../src/server/startServer.js';
import { createShop, orderFulfillmentSaga } from '../../machines/order-fulfillment.js';
import { createBank, loanApprovalSaga } from '../../machines/loan-approval.js';
import { browserAvailable, launchBrowser } from '../fixtures/browser.js';
import { until } from '../fixtures/until.js';

const order = { orderId: 'A1', customerId: 'c1', items: [{ sku: 'SKU-1', qty: 1 }], amount: 10 };
const loan = { applicationId: 'L1', applicant: 'Ada', amount: 1000 };
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

/** Holds its second step until the test opens the gate. */
let openGate: () => void = () => undefined;
const gated = defineSaga({
  name: 'gated',
  version: 1,
  input: z.object({}),
  steps: [
    step('first', { run: () => 'one', compensate: 'none' }),
    step('second', {
      run: () => new Promise<string>((resolve) => (openGate = () => resolve('two'))),
      compensate: 'none',
    }),
    step('third', { run: () => 'three', compensate: 'none' }),
  ],
});

const held = defineSaga({
  name: 'held',
  version: 1,
  input: z.object({}),
  steps: [step('commit', { run: () => 'ok', pivot: true }), awaitEvent('confirm', { event: 'held.confirmed' })],
});

const tick = defineSaga({
  name: 'tick',
  version: 1,
  input: z.object({ n: z.number() }),
  steps: [step('count', { run: ({ input }) => input.n, compensate: 'none' })],
});

// Twelve steps with a parallel group, named like real ones: the saga view must fit 1440×900.
const names = [
  'validateRequest',
  'reserveInventory',
  'authorizePayment',
  'capturePayment',
  'allocateWarehouse',
  'printShippingLabel',
  'confirmOrder',
  'notifyCustomer',
  'updateLoyaltyPoints',
  'archiveOrder',
];
const twelve = defineSaga({
  name: 'twelve',
  version: 1,
  input: z.object({}),
  steps: [
    ...names.slice(0, 4).map((n) => step(n, { run: () => n, compensate: () => undefined, retry: { maxAttempts: 3 } })),
    parallel('pack', [
      step('pickItems', { run: () => 1, compensate: () => undefined }),
      step('packBoxes', { run: () => 1, compensate: 'none', timeoutMs: 5000 }),
    ]),
    ...names.slice(4, 6).map((n) => step(n, { run: () => n, compensate: () => undefined })),
    step(names[6]!, { run: () => 1, pivot: true }),
    ...names.slice(7).map((n) => step(n, { run: () => n })),
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
    engine = new SagaEngine({
      store: memoryStore(),
      sagas: [orderFulfillmentSaga(createShop()), loanApprovalSaga(createBank()), fragile, gated, held, tick, twelve],
    });
    await engine.start();
    server = await startServer({ engine, port: 0, staticDir: dir });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.stop();
  });

  /** Opens an execution's page and waits until it shows that execution (not the one before). */
  const open = async (id: string) => {
    await page.goto(`${server.url}/#/execution/${id}`);
    await page.locator('h2', { hasText: `Execution ${id} ` }).waitFor();
  };
  const node = (key: string) => page.locator(`[data-testid=saga-diagram] [data-node="${key}"]`);

  it('should paint the saga view: the failed step, its compensations in the lane, then Compensated', async () => {
    const { id } = await engine.execute(
      'order-fulfillment',
      { ...order, failAt: 'processPayment,cancelOrder', failTimes: 3 },
      { executionId: 'pay-fails' },
    );
    await open(id);
    await page.getByTestId('status').filter({ hasText: 'Compensated' }).waitFor({ timeout: 15_000 });
    await page.locator('tr[data-type=SagaCompensated]').waitFor();
    const rows = await page
      .locator('[data-testid=timeline] tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-type')));
    expect(rows).toEqual((await engine.journal(id)).map((e) => e.type));
    await node('Compensated').and(page.locator('.reached')).waitFor();
    expect(await node('run:processPayment').getAttribute('class')).toContain('failed');
    expect(await node('undo:createOrder').getAttribute('class')).toContain('done');
    expect(await node('run:createOrder').getAttribute('class')).toContain('compensated');
    // The banner says what happened, not what is happening.
    const banner = await page.getByTestId('banner').textContent();
    expect(banner).toContain('Compensated because');
    expect(banner).not.toContain('Compensating');
  });

  it('should draw the full statechart one toggle away, one labelled edge per pair of states', async () => {
    await page.goto(`${server.url}/#/saga/order-fulfillment`);
    await node('run:createShipment').waitFor();
    await page.getByTestId('view-statechart').click();
    await page.locator('g.state[data-state="order-fulfillment.Running.createShipment"]').waitFor();
    expect(await page.locator('g.state.state-final').count()).toBe(2);
    const labels = await page.locator('svg.chart .edge-label').allTextContents();
    const edges = await page.locator('svg.chart path.edge').count();
    // Bundles are merged: no two edges share a source and a target, so no row of labels.
    expect(labels.length).toBeLessThanOrEqual(edges);
    expect(labels.some((l) => l.includes(' / '))).toBe(true);
  });

  it('should fit a 12-step saga with a parallel group in 1440×900, text readable', async () => {
    await page.goto(`${server.url}/#/saga/twelve`);
    await node('run:archiveOrder').waitFor();
    const box = (await page.getByTestId('saga-diagram').locator('svg').boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(1440);
    for (const key of ['run:validateRequest', 'run:archiveOrder', 'run:pickItems', 'Failed', 'Compensated']) {
      const b = (await node(key).boundingBox())!;
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.x + b.width).toBeLessThanOrEqual(1440);
      expect(b.y + b.height).toBeLessThanOrEqual(900);
    }
    const text = (await node('run:archiveOrder').locator('text.name').boundingBox())!;
    expect(text.height).toBeGreaterThanOrEqual(8);
    expect(await page.locator('[data-node=pivot-boundary]').count()).toBe(1);
  });

  it('should zoom, pan and fit the drawing', async () => {
    await page.goto(`${server.url}/#/saga/order-fulfillment`);
    const svg = page.getByTestId('saga-diagram').locator('svg');
    await node('run:createOrder').waitFor();
    const viewBox = () => svg.getAttribute('viewBox');
    const fitted = await viewBox();
    const width = async () => Number((await viewBox())?.split(' ')[2]);
    const before = await width();
    await page.getByLabel('zoom in').first().click();
    expect(await width()).toBeLessThan(before);
    const box = (await page.getByTestId('saga-diagram').boundingBox())!;
    const x = box.x + box.width - 20;
    const y = box.y + 30;
    const panned = await viewBox();
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x - 150, y, { steps: 5 });
    await page.mouse.up();
    expect(await viewBox()).not.toBe(panned);
    await page.getByLabel('fit to screen').first().click();
    expect(await viewBox()).toBe(fitted);
  });

  it('should say which event a waiting execution waits for and send it from a form filled from its schema', async () => {
    const { id } = await engine.execute('loan-approval', loan, { executionId: 'loan-waits' });
    await open(id);
    await expect(page.getByTestId('waiting-event').textContent()).resolves.toBe('underwriter.decided');
    await expect(page.getByTestId('send-type').textContent()).resolves.toBe('underwriter.decided');
    const template = JSON.parse(await page.locator('textarea[name=event-data]').inputValue()) as Record<
      string,
      unknown
    >;
    expect(template).toEqual({ approved: true, underwriter: expect.any(String) as string });
    // What a person sees in the first screen: no scrolling to find it.
    const now = (await page.getByTestId('now').boundingBox())!;
    expect(now.y + now.height).toBeLessThan(900);
    expect((await page.getByTestId('timeline').boundingBox())!.y).toBeLessThan(900);
    await page.getByTestId('send').click();
    await page.getByTestId('status').filter({ hasText: 'Completed' }).waitFor();
    expect((await engine.get(id)).status).toBe('Completed');
    await page.getByTestId('send-form').and(page.locator('[hidden]')).waitFor({ state: 'attached' });
  });

  it('should not say "now Running" beside a Completed badge when the stream got there before the answer', async () => {
    const { id } = await engine.execute('loan-approval', loan, { executionId: 'loan-fast' });
    const events = (url: URL) => url.pathname === `/api/executions/${id}/events`;
    // The event is applied at once, but its answer (status Running) arrives only after the
    // live stream has shown the loan Completed.
    await page.route(events, async (route) => {
      const response = await route.fetch();
      await page.getByTestId('status').filter({ hasText: 'Completed' }).waitFor();
      await route.fulfill({ response });
    });
    try {
      await open(id);
      await page.getByTestId('send').click();
      await page.getByTestId('message').filter({ hasText: 'accepted' }).waitFor();
      await expect(page.getByTestId('message').textContent()).resolves.toBe('Send underwriter.decided: accepted.');
      await expect(page.getByTestId('status').textContent()).resolves.toBe('Completed');
    } finally {
      await page.unroute(events);
    }
  });

  it('should not send event data that is not JSON, and say so', async () => {
    const { id } = await engine.execute('loan-approval', loan, { executionId: 'loan-typo' });
    await open(id);
    await page.locator('textarea[name=event-data]').fill('{"approved": tru');
    await page.getByTestId('send').click();
    await expect(page.getByTestId('message').textContent()).resolves.toMatch(
      /^Not sent: the data is not valid JSON \(.+\)$/,
    );
    expect((await engine.get(id)).status).toBe('Running');
  });

  it('should not offer Send on a saga without an awaitEvent', async () => {
    const { id } = await engine.execute('fragile', { message: 'x' });
    broken = true;
    await open(id);
    await page.getByTestId('status').filter({ hasText: 'Failed' }).waitFor();
    expect(await page.getByTestId('send-form').isVisible()).toBe(false);
    expect(await page.getByTestId('send').count()).toBe(0);
  });

  it('should refetch the results when updates arrive during a fetch (Results panel never stale)', async () => {
    const { id } = await engine.execute('gated', {}, { executionId: 'gated-1' });
    let calls = 0;
    await page.route(
      (url) => url.pathname === `/api/executions/${id}`,
      async (route) => {
        calls += 1;
        if (calls !== 2) return route.continue();
        // The first refresh reads the execution mid-way, and answers only after it finished:
        // every later update arrives while this fetch is on its way.
        const response = await route.fetch();
        openGate();
        await engine.waitFor(id);
        await page.locator('tr[data-type=SagaCompleted]').waitFor();
        await route.fulfill({ response });
      },
    );
    try {
      await open(id);
      await page.locator('tr[data-type=SagaCompleted]').waitFor();
      await page.getByTestId('results').filter({ hasText: '"third": "three"' }).waitFor({ timeout: 5000 });
    } finally {
      await page.unroute((url) => url.pathname === `/api/executions/${id}`);
    }
  });

  it('should retry a Failed execution, saying what Retry does, and drop the stale message when it fails again', async () => {
    broken = true;
    const { id } = await engine.execute('fragile', { message: 'smtp down' });
    await open(id);
    await page.getByTestId('status').filter({ hasText: 'Failed' }).waitFor();
    await expect(page.getByTestId('banner').textContent()).resolves.toContain('A person must act.');
    await expect(page.getByTestId('retry-plan').textContent()).resolves.toContain('runs notify again');
    await expect(page.getByTestId('waiting').textContent()).resolves.toContain('Waits for a person');
    // Still broken: it fails again; nothing may say "done" beside the Failed badge.
    await page.getByTestId('retry').click();
    await page.locator('tr[data-type=ManualRetry]').waitFor();
    await page.locator('tr[data-type=SagaFailed]').nth(1).waitFor();
    await page.getByTestId('status').filter({ hasText: 'Failed' }).waitFor();
    expect(await page.getByTestId('message').textContent()).not.toMatch(/done/);
    broken = false;
    await page.getByTestId('retry').click();
    await page.getByTestId('status').filter({ hasText: 'Completed' }).waitFor();
    expect((await engine.get(id)).status).toBe('Completed');
    expect(await page.getByTestId('retry').isVisible()).toBe(false);
  });

  it('should show a step error as text, never run it', async () => {
    broken = true;
    const attack = '<img src=x onerror=alert(1)>';
    const { id } = await engine.execute('fragile', { message: attack });
    await open(id);
    await page.getByTestId('status').filter({ hasText: 'Failed' }).waitFor();
    const detail = page.locator('tr[data-type=StepFailed] td.detail');
    await expect(detail.textContent()).resolves.toBe(`Error: ${attack}`);
    await expect(page.getByTestId('banner').textContent()).resolves.toContain(attack);
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('should cancel only after a confirmation with a reason', async () => {
    const { id } = await engine.execute('loan-approval', loan, { executionId: 'loan-cancel' });
    await open(id);
    await page.getByTestId('waiting-event').waitFor();
    await page.getByTestId('cancel').click();
    const dialog = page.getByTestId('cancel-dialog');
    await dialog.waitFor();
    await expect(dialog.textContent()).resolves.toContain('undoes reserveFunds');
    // No reason, no cancel.
    await page.getByTestId('cancel-confirm').click();
    expect((await engine.get(id)).status).toBe('Running');
    await page.getByTestId('cancel-reason').fill('applicant withdrew');
    await page.getByTestId('cancel-confirm').click();
    await page.getByTestId('status').filter({ hasText: 'Compensated' }).waitFor();
    const cancel = (await engine.journal(id)).find((e) => e.type === 'CancelRequested');
    expect(cancel?.data).toMatchObject({ reason: 'applicant withdrew' });
  });

  it('should disable Cancel past the pivot and say why', async () => {
    const { id } = await engine.execute('fragile', { message: 'x' });
    broken = true;
    await open(id);
    await page.getByTestId('status').filter({ hasText: 'Failed' }).waitFor();
    expect(await page.getByTestId('cancel').isDisabled()).toBe(true);
    await expect(page.getByTestId('cancel-why').textContent()).resolves.toContain('Failed');
    const { id: past } = await engine.execute('held', {});
    await open(past);
    await page.getByTestId('waiting-event').filter({ hasText: 'held.confirmed' }).waitFor();
    expect(await page.getByTestId('cancel').isDisabled()).toBe(true);
    await expect(page.getByTestId('cancel-why').textContent()).resolves.toContain('Past the pivot (commit)');
  });

  it('should repaint the saga view as it was after any journal entry (time travel)', async () => {
    await open('pay-fails');
    await page.locator('tr[data-type=SagaCompensated]').waitFor();
    const journal = await engine.journal('pay-fails');
    const firstFailure = journal.findIndex((e) => e.type === 'StepFailed');
    await page.getByTestId('scrubber').fill(String(firstFailure + 1));
    await expect(page.getByTestId('scrub-label').textContent()).resolves.toContain('StepFailed processPayment');
    expect(await node('run:processPayment').getAttribute('class')).toContain('failed');
    expect(await node('undo:createOrder').getAttribute('class')).not.toContain('done');
    expect(await node('Compensated').getAttribute('class')).not.toContain('reached');
    await page.getByTestId('scrubber').fill(String(journal.length));
    await expect(page.getByTestId('scrub-label').textContent()).resolves.toBe('live');
    expect(await node('Compensated').getAttribute('class')).toContain('reached');
  });

  it('should repaint the full statechart as it was after any journal entry', async () => {
    await open('pay-fails');
    await page.locator('tr[data-type=SagaCompensated]').waitFor();
    await page.getByTestId('view-statechart').click();
    const state = (id: string) => page.locator(`g.state[data-state="order-fulfillment.${id}"]`);
    await state('Compensated').and(page.locator('.current')).waitFor();
    const journal = await engine.journal('pay-fails');
    const at = (type: string, step: string) => journal.findIndex((e) => e.type === type && e.step === step) + 1;
    await page.getByTestId('scrubber').fill(String(at('StepRetryScheduled', 'processPayment')));
    await state('Running.processPayment.backoff').and(page.locator('.current')).waitFor();
    expect(await state('Running').getAttribute('class')).toContain('active');
    expect(await state('Compensated').getAttribute('class')).not.toContain('current');
    expect(await state('Running.createOrder').getAttribute('class')).toContain('done');
    await page.getByTestId('scrubber').fill(String(at('CompensationStarted', 'createOrder')));
    await state('Compensating.createOrder.run').and(page.locator('.current')).waitFor();
    expect(await state('Running').getAttribute('class')).not.toContain('active');
    // The drawing pans to the state it shows, wherever it lies in the chart.
    const view = (await page.getByTestId('statechart').boundingBox())!;
    const shown = (await state('Compensating.createOrder.run').boundingBox())!;
    expect(shown.x).toBeGreaterThanOrEqual(view.x);
    expect(shown.x + shown.width).toBeLessThanOrEqual(view.x + view.width);
    await page.getByTestId('scrubber').fill(String(journal.length));
    await state('Compensated').and(page.locator('.current')).waitFor();
    await page.getByTestId('view-saga').click();
  });

  it('should open a step panel with its attempts and idempotency key', async () => {
    await open('pay-fails');
    await page.locator('tr[data-type=SagaCompensated]').waitFor();
    await node('run:processPayment').click();
    const panel = page.getByTestId('step-panel');
    await expect(panel.getByTestId('idempotency-key').textContent()).resolves.toBe('pay-fails:processPayment');
    expect(await panel.locator('table.attempts tbody tr').count()).toBe(3);
  });

  it('should count every execution from the store, page through them, and list Failed ones that need a person', async () => {
    for (let n = 0; n < 130; n++)
      await engine.execute('tick', { n }, { executionId: `tick-${String(n).padStart(3, '0')}` });
    await engine.waitFor('tick-129');
    await page.goto(`${server.url}/#/?saga=tick`);
    await page.locator('table.executions tbody tr[data-id="tick-129"]').waitFor();
    await page.getByTestId('counts').filter({ hasText: 'Completed 130' }).waitFor();
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('sagachart_executions{saga="tick",status="Completed"} 130');
    const seen = new Set<string>();
    for (let pageNo = 0; pageNo < 3; pageNo++) {
      const ids = await page
        .locator('[data-testid=executions] tbody tr')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id') ?? ''));
      ids.forEach((x) => seen.add(x));
      if (pageNo < 2) {
        const next = page.getByTestId('next-page');
        await next.click();
        await page
          .getByTestId('page-info')
          .filter({ hasText: `page ${pageNo + 2}` })
          .waitFor();
      }
    }
    expect(seen.size).toBe(130);
    expect(await page.getByTestId('next-page').isDisabled()).toBe(true);
    // Failed executions wait for a person: they are listed apart, whatever page the list is on.
    await page.goto(`${server.url}/#/`);
    const attention = page.getByTestId('attention');
    await attention.locator('tr[data-id]').first().waitFor();
    const failed = (await engine.list({ status: 'Failed', limit: 20 })).items.map((e) => e.id);
    expect(failed.length).toBeGreaterThan(0);
    for (const id of failed) await attention.locator(`tr[data-id="${id}"]`).waitFor();
  });

  it('should filter the executions by id prefix and by a field of the input', async () => {
    const shown = () =>
      page
        .locator('[data-testid=executions] tbody tr')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id') ?? '').sort());
    await page.goto(`${server.url}/#/?saga=tick`);
    await page.locator('table.executions tbody tr[data-id="tick-129"]').waitFor();
    await page.getByTestId('filter-id').fill('tick-12');
    await page.getByTestId('filter-id').press('Enter');
    await page.waitForURL(/id=tick-12/);
    await page.getByTestId('page-info').filter({ hasText: '10 shown' }).waitFor();
    expect(await shown()).toEqual(Array.from({ length: 10 }, (_, i) => `tick-12${i}`));
    await page.getByTestId('filter-input').fill('n=125');
    await page.getByTestId('filter-input').press('Enter');
    await page.getByTestId('page-info').filter({ hasText: '1 shown' }).waitFor();
    expect(await shown()).toEqual(['tick-125']);
    // The filters live in the address: a reload or a shared link shows the same list.
    await page.reload();
    await page.getByTestId('page-info').filter({ hasText: '1 shown' }).waitFor();
    expect(await page.getByTestId('filter-input').inputValue()).toBe('n=125');
  });

  it('should start an execution from the saga page, the input filled from its schema', async () => {
    await page.goto(`${server.url}/#/saga/loan-approval`);
    const input = page.getByTestId('start-input');
    await input.waitFor();
    expect(JSON.parse(await input.inputValue())).toEqual({ applicationId: 'text', applicant: 'text', amount: 1 });
    await input.fill('{ "applicationId": "web-1", "applicant": "Ada", "amount": -5 }');
    await page.getByTestId('start').click();
    await expect(page.getByTestId('start-message').filter({ hasText: 'Not started' }).textContent()).resolves.toContain(
      'amount',
    );
    await input.fill('{ "applicationId": "web-1", "applicant": "Ada", "amount": 500 }');
    await page.getByTestId('start').click();
    await page.getByTestId('waiting-event').filter({ hasText: 'underwriter.decided' }).waitFor();
  });

  it('should list the input fields on the saga page, with every failAt name of the example', async () => {
    await page.goto(`${server.url}/#/saga/order-fulfillment`);
    const failAt = page.locator('[data-testid=input-fields] tr[data-field=failAt]');
    await failAt.waitFor();
    const text = await failAt.textContent();
    for (const name of ['createShipment', 'cancelOrder', 'refundPayment', 'releaseStock', 'cancelShipment'])
      expect(text).toContain(name);
    expect(text).toContain('string (optional)');
    expect(await page.locator('[data-testid=input-fields] tr[data-field=orderId]').textContent()).not.toContain(
      'optional',
    );
  });

  it('should compare two executions of one saga: both paths painted, journals aligned by step', async () => {
    const { id: ok } = await engine.execute('order-fulfillment', order, { executionId: 'cmp-ok' });
    await engine.waitFor(ok);
    await open('pay-fails');
    await page.getByTestId('compare-id').fill(ok);
    await page.getByTestId('compare-id').press('Enter');
    const table = page.getByTestId('compare-table');
    await table.waitFor();
    const a = page.locator('[data-testid=compare-A] [data-node="run:processPayment"]');
    const b = page.locator('[data-testid=compare-B] [data-node="run:processPayment"]');
    expect(await a.getAttribute('class')).toContain('failed');
    expect(await b.getAttribute('class')).toContain('done');
    const payment = table.locator('tr[data-key="run:processPayment"]');
    expect(await payment.getAttribute('class')).toContain('differs');
    const cells = await payment.locator('td').allTextContents();
    expect(cells.slice(0, 3)).toEqual(['processPayment', 'failed', '3']);
    expect(cells.slice(5, 7)).toEqual(['done', '1']);
    expect(await table.locator('tr[data-key="undo:createOrder"] td').nth(1).textContent()).toBe('compensated');
  });

  it('should retry the selected Failed executions at once', async () => {
    broken = true;
    const ids = [];
    for (let i = 0; i < 2; i++) ids.push((await engine.execute('fragile', { message: 'down' })).id);
    for (const id of ids) await engine.waitFor(id);
    await page.goto(`${server.url}/#/?saga=fragile`);
    const attention = page.getByTestId('attention');
    for (const id of ids) await attention.locator(`tr[data-id="${id}"] [data-testid=select]`).check();
    broken = false;
    await page.getByTestId('retry-selected').click();
    await page.getByTestId('bulk-message').filter({ hasText: 'Retried 2 of 2.' }).waitFor();
    for (const id of ids) expect((await engine.waitFor(id)).status).toBe('Completed');
    for (const id of ids) await attention.locator(`tr[data-id="${id}"]`).waitFor({ state: 'detached' });
  });

  it('should serve a favicon', async () => {
    const response = await fetch(`${server.url}/favicon.ico`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('image/svg+xml');
  });
});

describe.runIf(browserAvailable())('inspector in Chromium: executions stuck past their timeouts', () => {
  /** A step that never answers, with a short timeout: an engine moves it on, unless none runs it. */
  const call = step('call', { run: () => new Promise<string>(() => undefined), compensate: 'none', timeoutMs: 200 });
  const slow = defineSaga({ name: 'slow', version: 1, input: z.object({}), steps: [call] });
  // The same name and version with another shape: an engine refuses to resume slow's executions.
  const changed = defineSaga({
    name: 'slow',
    version: 1,
    input: z.object({}),
    steps: [call, step('more', { run: () => 'x', compensate: 'none' })],
  });

  it('should list them under Needs attention with the timer that did not fire', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sagachart-stuck-')), 'stuck.db');
    const first = new SagaEngine({ store: sqliteStore(file), sagas: [slow] });
    await first.start();
    await first.execute(slow, {}, { executionId: 'stuck-1' });
    await until(async () => (await first.journal('stuck-1')).some((e) => e.type === 'StepStarted'));
    await first.stop();
    const engine = new SagaEngine({ store: sqliteStore(file), sagas: [changed] });
    const report = await engine.start();
    expect(report.refused.map((r) => r.id)).toEqual(['stuck-1']);
    const server = await startServer({ engine, port: 0, staticDir: inspectorDir()! });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      // Overdue by more than a second counts as stuck here (a minute by default).
      await until(async () => (await engine.list({ overdueBefore: Date.now() - 1000 })).items.length === 1);
      await page.goto(`${server.url}/#/?stuck=1`);
      const row = page.locator('[data-testid=stuck-table] tr[data-id="stuck-1"]');
      await row.waitFor();
      expect(await row.locator('td.where').textContent()).toMatch(
        /^timer timeout:call overdue by \d+s · runs call, attempt 1/,
      );
      expect(await page.getByTestId('attention-failed').isHidden()).toBe(true);
      expect(await page.getByTestId('attention').textContent()).toContain('Stuck past their timeouts');
      // With the default threshold (a minute), a timer a few seconds late is not stuck yet.
      await page.goto(`${server.url}/#/?saga=slow`);
      await page
        .getByRole('combobox', { name: 'saga' })
        .and(page.locator(':has(option[value=slow]:checked)'))
        .waitFor();
      await page.locator('[data-testid=executions] tbody tr[data-id="stuck-1"]').waitFor();
      await page.getByTestId('attention').waitFor({ state: 'hidden' });
    } finally {
      await browser.close();
      await server.close();
      await engine.stop();
    }
  });
});
