import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser } from '../fixtures/browser.js';
import { choreographyServer } from '../fixtures/choreographyServer.js';
import { natsAvailable } from '../fixtures/nats.js';

const ready = browserAvailable() && (await natsAvailable());

describe.runIf(ready)('choreographies in the inspector, in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let server: Awaited<ReturnType<typeof choreographyServer>>;

  beforeAll(async () => {
    server = await choreographyServer();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
  });

  const state = (name: string) =>
    page.locator(`[data-testid=choreography-chart] g.state[data-state="test-orders.${name}"]`);

  it('should list the choreographies beside the executions, their flagged instances under Needs attention', async () => {
    await page.goto(`${server.url}/#/`);
    const section = page.getByTestId('choreographies');
    await section.locator('tr[data-name=test-orders]').waitFor();
    expect(await section.getByTestId('flagged-count').textContent()).toBe('⚑ 1');
    // Under Needs attention, with the Failed and the stuck executions.
    const flagged = page.getByTestId('attention').getByTestId('flagged-instances').locator('tbody tr');
    await expect.poll(() => flagged.count()).toBe(1);
    const rows = await flagged.evaluateAll((trs) =>
      trs.map((tr) => [tr.getAttribute('data-id'), tr.className, tr.querySelector('.flags')?.textContent]),
    );
    expect(Object.fromEntries(rows.map(([id, cls, flags]) => [id, [cls, flags]]))).toEqual({
      stuck: ['flagged', '⚑ stuck: no PaymentProcessed or PaymentFailed in time'],
    });
  });

  it("should draw a stuck instance's chart with its current state lit and flagged, and its stages done", async () => {
    await page.goto(`${server.url}/#/`);
    await page.getByTestId('flagged-instances').getByRole('link', { name: 'stuck', exact: true }).click();
    await page.locator('h2', { hasText: 'stuck' }).waitFor();
    expect(await page.getByTestId('status').textContent()).toBe('Running');
    expect(await page.getByTestId('flags').textContent()).toContain(
      '⚑ stuck: no PaymentProcessed or PaymentFailed in time',
    );
    expect(await page.getByTestId('now').textContent()).toContain('waits for PaymentProcessed or PaymentFailed');
    await state('awaiting PaymentProcessed').and(page.locator('.current')).waitFor();
    expect(await state('awaiting PaymentProcessed').getAttribute('class')).toContain('flagged');
    expect(await state('awaiting OrderCreated').getAttribute('class')).toContain('done');
    expect(await state('Completed').getAttribute('class')).not.toContain('current');
    expect(await page.getByTestId('stages').locator('li').allTextContents()).toEqual([
      '✓ OrderCreated done',
      '→ PaymentProcessed expected now',
      '· StockReserved',
      '· OrderShipped',
    ]);
    expect(await page.getByTestId('timeline').locator('tbody tr.flagged').textContent()).toContain('⚑ stuck');
  });

  it('should list the instances of a choreography, the flagged ones highlighted and filtered on demand', async () => {
    await page.goto(`${server.url}/#/choreography/test-orders`);
    const rows = page.getByTestId('instances').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(4);
    expect(await page.getByTestId('instances').locator('tbody tr.flagged').count()).toBe(1);
    // Its out-of-order flag cleared when it completed.
    expect(await page.getByTestId('instances').locator('tr[data-id=jumbled]').getAttribute('class')).toBe('');
    await page.getByTestId('filter-flagged').check();
    await expect.poll(() => page.url()).toContain('flagged=1');
    await expect
      .poll(async () => (await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')))).sort())
      .toEqual(['stuck']);
  });

  it("should show in an instance's timeline where a flag was raised and where it cleared", async () => {
    await page.goto(`${server.url}/#/choreography/test-orders/jumbled`);
    await page.locator('h2', { hasText: 'jumbled' }).waitFor();
    expect(await page.getByTestId('flags').textContent()).not.toContain('⚑');
    const timeline = page.getByTestId('timeline').locator('tbody tr');
    expect(await timeline.nth(1).getAttribute('class')).toBe('flagged');
    expect(await timeline.nth(1).locator('td').last().textContent()).toBe('⚑ out-of-order');
    expect(await timeline.nth(4).getAttribute('class')).toBe('cleared');
    expect(await timeline.nth(4).locator('td').last().textContent()).toBe('✓ cleared out-of-order');
    // No state is drawn flagged for a flag that no longer holds.
    await state('Completed').and(page.locator('.current')).waitFor();
    expect(await page.locator('[data-testid=choreography-chart] g.state.flagged').count()).toBe(0);
  });

  it('should follow an instance as its events arrive', async () => {
    await page.goto(`${server.url}/#/choreography/test-orders/stuck`);
    await state('awaiting PaymentProcessed').and(page.locator('.current')).waitFor();
    expect(await state('awaiting PaymentProcessed').getAttribute('class')).toContain('flagged');
    await server.publish('stuck', 'PaymentProcessed');
    await state('awaiting StockReserved').and(page.locator('.current')).waitFor();
    expect(await state('awaiting PaymentProcessed').getAttribute('class')).toContain('done');
    // It moved on: its stuck flag cleared (last: it may go quiet, and be flagged, again).
    expect(await state('awaiting PaymentProcessed').getAttribute('class')).not.toContain('flagged');
    expect(await page.getByTestId('timeline').locator('tbody tr.cleared td').last().textContent()).toBe(
      '✓ cleared stuck',
    );
  });
});
