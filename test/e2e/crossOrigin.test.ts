import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitEvent, defineSaga, step } from '../../src/index.js';
import { browserAvailable, launchBrowser } from '../fixtures/browser.js';
import { serve } from '../fixtures/http.js';

const waiting = defineSaga({
  name: 'waiting',
  version: 1,
  input: z.object({}),
  steps: [step('a', { run: () => 'a', compensate: () => undefined }), awaitEvent('go', { event: 'go' })],
});

/** Another origin: a tiny page server on its own port, as a site the victim visits. */
async function otherSite(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>another site</title><p>nothing to see</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, origin: `http://127.0.0.1:${address.port}` };
}

describe.runIf(browserAvailable())('a page on another origin, in Chromium', () => {
  let browser: Browser;
  let site: { server: Server; origin: string };
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    site = await otherSite();
    page = await browser.newPage();
    await page.goto(site.origin);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.server.close(resolve));
  });

  /** A text/plain POST needs no preflight: the browser sends it to any origin. */
  const plainPost = (url: string, body: unknown) =>
    page.evaluate(
      async ([target, text]) => {
        try {
          await fetch(target, {
            method: 'POST',
            mode: 'no-cors',
            headers: { 'content-type': 'text/plain' },
            body: text,
          });
          return 'sent';
        } catch (error) {
          return String(error);
        }
      },
      [url, JSON.stringify(body)] as const,
    );

  it('should not start an execution with a text/plain fetch', async () => {
    const { url, engine } = await serve([waiting]);
    expect(await plainPost(`${url}/api/executions`, { saga: 'waiting', input: {} })).toBe('sent');
    expect((await engine.list()).items).toEqual([]);
  });

  it('should not cancel an execution with a text/plain fetch', async () => {
    const { url, engine } = await serve([waiting]);
    const { id } = await engine.execute('waiting', {});
    await expect.poll(async () => (await engine.journal(id)).some((e) => e.step === 'go')).toBe(true);
    expect(await plainPost(`${url}/api/executions/${id}/cancel`, { reason: 'csrf' })).toBe('sent');
    expect((await engine.get(id)).status).toBe('Running');
  });

  it('should let an origin given with cors start an execution with JSON and follow the stream', async () => {
    const { url, engine } = await serve([waiting], { cors: [site.origin] });
    const result = await page.evaluate(async (api) => {
      const source = new EventSource(`${api}/api/stream`);
      await new Promise((resolve) => (source.onopen = resolve));
      const first = new Promise<string>((resolve) =>
        source.addEventListener('journal', (message) =>
          resolve(JSON.parse((message as unknown as { data: string }).data).entry.type),
        ),
      );
      const response = await fetch(`${api}/api/executions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ saga: 'waiting', input: {} }),
      });
      const started = { status: response.status, body: (await response.json()) as { id: string } };
      const streamed = await first;
      source.close();
      const plain = await fetch(`${api}/api/executions`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: '{}',
      });
      return { started, first: streamed, plain: plain.status };
    }, url);
    expect(result.started.status).toBe(201);
    expect(result.first).toBe('SagaStarted');
    // Allowed to call, still not allowed to send anything but JSON.
    expect(result.plain).toBe(415);
    expect((await engine.list()).items.map((e) => e.id)).toEqual([result.started.body.id]);
  });
});
