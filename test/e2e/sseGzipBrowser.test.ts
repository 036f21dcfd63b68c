import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser } from '../fixtures/browser.js';
import { ENTRIES_PER_EXECUTION, range, twoSteps } from '../fixtures/feedSagas.js';
import { serve } from '../fixtures/http.js';

describe.runIf(browserAvailable())('the global stream in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('should reach an EventSource gzipped, every event in order, as the chunks shared by all clients arrive', async () => {
    const { engine, url, running } = await serve([twoSteps]);
    const page = await browser.newPage();
    await page.goto(`${url}/healthz`);
    const executions = 30;
    const end = (await engine.feedEnd()) + executions * ENTRIES_PER_EXECUTION;
    const answered = page.waitForResponse((response) => response.url().endsWith('/api/stream'));
    const received = page.evaluate(
      (last) =>
        new Promise<number[]>((resolve) => {
          const ids: number[] = [];
          const source = new EventSource('/api/stream');
          source.addEventListener('journal', (event) => {
            ids.push(Number((event as unknown as { lastEventId: string }).lastEventId));
            if (ids.at(-1) === last) {
              source.close();
              resolve(ids);
            }
          });
        }),
      end,
    );
    expect(await (await answered).headerValue('content-encoding')).toBe('gzip');
    await expect.poll(() => running.sseStats().clients).toBe(1);
    // Several commits, several chunks: each is its own run of deflate blocks spliced into the stream.
    for (let n = 0; n < executions; n += 1) await engine.waitFor((await engine.execute(twoSteps, { n })).id);
    expect(await received).toEqual(range(1, end));
    await page.close();
  });
});
