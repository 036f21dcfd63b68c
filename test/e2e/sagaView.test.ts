import type { Browser, Page } from 'playwright-core';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineSaga, memoryStore, parallel, remote, SagaEngine, step } from '../../src/index.js';
import { inspectorDir } from '../../src/cli/Command.js';
import { startServer, type RunningServer } from '../../src/server/startServer.js';
import { createShop, orderFulfillmentSaga } from '../../machines/order-fulfillment.js';
import { createBank, loanApprovalSaga } from '../../machines/loan-approval.js';
import { createSaas, subscriptionSignupSaga } from '../../machines/subscription-signup.js';
import { browserAvailable, launchBrowser } from '../fixtures/browser.js';

// Some steps done by participants elsewhere, some here; no pivot, so only a compensation can give up.
const mixed = defineSaga({
  name: 'mixed',
  version: 1,
  input: z.object({}),
  steps: [
    step('reserveStock', {
      run: remote('stock.reserve'),
      compensate: remote('stock.release'),
      timeoutMs: 5_000,
    }),
    step('chargeCard', { run: () => 'charged', compensate: () => undefined }),
    parallel('notify', [
      step('email', { run: remote('mail.send'), compensate: () => undefined }),
      step('sms', { run: () => 'sent', compensate: 'none' }),
    ]),
  ],
});

// Nothing to undo and no pivot: a failure ends Compensated, nothing can reach Failed.
const plain = defineSaga({
  name: 'plain',
  version: 1,
  input: z.object({}),
  steps: [step('ping', { run: () => 'pong', compensate: 'none' })],
});

/** What the test reads of an SVG path in the page (this project's types have no DOM). */
interface PathGeometry {
  getTotalLength(): number;
  getPointAtLength(at: number): { x: number; y: number };
  getScreenCTM(): { a: number; d: number; e: number; f: number };
}

describe.runIf(browserAvailable())('the saga view in Chromium', () => {
  let browser: Browser;
  let server: RunningServer;
  let engine: SagaEngine;
  let page: Page;

  beforeAll(async () => {
    const dir = inspectorDir();
    if (dir === undefined) throw new Error('the inspector is not built: run npm run build');
    engine = new SagaEngine({
      store: memoryStore(),
      sagas: [
        mixed,
        plain,
        orderFulfillmentSaga(createShop()),
        loanApprovalSaga(createBank()),
        subscriptionSignupSaga(createSaas()),
      ],
    });
    await engine.start();
    server = await startServer({ engine, port: 0, staticDir: dir });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.stop();
  });

  const node = (key: string) => page.locator(`[data-testid=saga-diagram] [data-node="${key}"]`);
  const openSaga = async (name: string) => {
    await page.goto(`${server.url}/#/saga/${name}`);
    await page.locator('h2', { hasText: name }).waitFor();
    await node('Compensated').waitFor();
  };

  it('should badge the remote steps with the subject they are sent on, and not the local ones', async () => {
    await openSaga('mixed');
    const badge = (key: string) => node(key).locator('.remote-badge');
    await badge('run:reserveStock').waitFor();
    expect(await badge('run:reserveStock').isVisible()).toBe(true);
    expect(await badge('run:reserveStock').textContent()).toBe('⇄ stock.reserve');
    expect(await badge('undo:reserveStock').textContent()).toBe('⇄ stock.release');
    expect(await badge('run:email').textContent()).toBe('⇄ mail.send');
    // A remote step whose compensation runs here has no badge in the lane.
    expect(await badge('undo:email').count()).toBe(0);
    for (const local of ['run:chargeCard', 'undo:chargeCard', 'run:sms']) expect(await badge(local).count()).toBe(0);
    // The badge stays inside its node.
    const inner = (await badge('run:reserveStock').boundingBox())!;
    const outer = (await node('run:reserveStock').locator('rect').first().boundingBox())!;
    expect(inner.x).toBeGreaterThanOrEqual(outer.x);
    expect(inner.x + inner.width).toBeLessThanOrEqual(outer.x + outer.width);

    // The step list says it too.
    const chips = (name: string) =>
      page
        .locator('ol.steps li', { has: page.locator('code', { hasText: new RegExp(`^${name}$`) }) })
        .locator('.remote');
    expect(await chips('reserveStock').allTextContents()).toEqual(['⇄ stock.reserve', '↶ ⇄ stock.release']);
    expect(await chips('notify').allTextContents()).toEqual(['⇄ mail.send']);
    expect(await chips('chargeCard').count()).toBe(0);
  });

  /** Whether an edge marked as leading into `end` ends on the border of its box. */
  const reaches = async (end: string) => {
    const box = (await node(end).locator('rect').first().boundingBox())!;
    const ends = await page
      .locator(`[data-testid=saga-diagram] path.saga-edge[data-to="${end}"]`)
      .evaluateAll((paths) =>
        paths.map((element) => {
          // Its last point on the screen (the drawing is scaled to fit).
          const path = element as unknown as PathGeometry;
          const p = path.getPointAtLength(path.getTotalLength());
          const m = path.getScreenCTM();
          return { x: p.x * m.a + m.e, y: p.y * m.d + m.f };
        }),
      );
    const near = (v: number, from: number, to: number) => v >= from - 3 && v <= to + 3;
    return ends.some((p) => near(p.x, box.x, box.x + box.width) && near(p.y, box.y, box.y + box.height));
  };

  it('should draw an edge into Failed from the compensations when only a compensation can give up', async () => {
    for (const saga of ['mixed', 'order-fulfillment', 'subscription-signup', 'loan-approval']) {
      await openSaga(saga);
      for (const end of ['Completed', 'Compensated', 'Failed']) {
        expect(await reaches(end), `${saga}: an edge into ${end}`).toBe(true);
      }
    }
    // Each compensation drops to the line into Failed.
    await openSaga('mixed');
    expect(await page.locator('[data-testid=saga-diagram] path.gives-up.drop').count()).toBe(3);
  });

  it('should draw no Failed where nothing can fail for good', async () => {
    await openSaga('plain');
    expect(await node('Failed').count()).toBe(0);
    expect(await reaches('Compensated')).toBe(true);
  });

  it('should draw the edges into Failed in the full statechart too', async () => {
    await openSaga('mixed');
    await page.getByTestId('view-statechart').click();
    await page.locator('svg.chart g.state[data-state="mixed.Failed"]').waitFor();
    const sources = await page
      .locator('svg.chart path.edge[data-target="mixed.Failed"]')
      .evaluateAll((paths) => paths.map((p) => p.getAttribute('data-source')));
    expect(sources.sort()).toEqual([
      'mixed.Compensating.chargeCard.run',
      'mixed.Compensating.notify',
      'mixed.Compensating.reserveStock.run',
    ]);
  });
});
