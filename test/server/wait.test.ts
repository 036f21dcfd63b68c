import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { awaitEvent, defineSaga, PermanentError, step } from '../../src/index.js';
import { serve, untilState } from '../fixtures/http.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const quick = defineSaga({
  name: 'quick',
  version: 1,
  input: z.object({ ms: z.number().default(0) }),
  steps: [
    step('a', { run: async ({ input }) => (await sleep(input.ms), 'a'), compensate: () => undefined }),
    step('b', { run: () => 'b', compensate: 'none' }),
  ],
});
const approval = defineSaga({
  name: 'approval',
  version: 1,
  input: z.object({}),
  steps: [
    step('a', { run: () => 'a', compensate: () => undefined }),
    awaitEvent('approve', { event: 'approved', schema: z.object({ by: z.string() }) }),
  ],
});

describe('start and wait in one request', () => {
  it('should answer 200 with the settled outcome when the execution settles within the wait', async () => {
    const { call } = await serve([quick]);
    const answer = await call('POST', '/api/executions?wait=5000', { saga: 'quick', input: {} });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'Completed', results: { a: 'a', b: 'b' }, existing: false });
  });

  it('should answer 202 with the current state and where to follow it when the wait runs out, and go on', async () => {
    const { call, url } = await serve([approval]);
    const started = await call('POST', '/api/executions?wait=150', {
      saga: 'approval',
      input: {},
      executionId: 'ap-1',
    });
    expect(started.status).toBe(202);
    // Where it is after 150 ms depends on the machine's load: step a or already waiting.
    expect(started.body).toMatchObject({
      id: 'ap-1',
      status: 'Running',
      follow: { poll: '/api/executions/ap-1?wait=150', stream: '/api/executions/ap-1/stream' },
    });
    await untilState(call, 'ap-1', { Running: 'approve' });
    const polled = await call('GET', '/api/executions/ap-1?wait=150');
    expect(polled).toMatchObject({ status: 202, body: { status: 'Running', state: { Running: 'approve' } } });
    const head = await fetch(`${url}/api/executions/ap-1?wait=0`);
    expect(head.status).toBe(202);
    expect(head.headers.get('location')).toBe('/api/executions/ap-1');
    const sent = await call('POST', '/api/executions/ap-1/events?wait=5000', { type: 'approved', data: { by: 'ada' } });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ status: 'Completed', results: { approve: { by: 'ada' } } });
  });

  it('should long-poll GET until the execution settles', async () => {
    const { call } = await serve([quick]);
    await call('POST', '/api/executions', { saga: 'quick', input: { ms: 200 }, executionId: 'q-1' });
    const polled = await call('GET', '/api/executions/q-1?wait=5000');
    expect(polled.status).toBe(200);
    expect(polled.body.status).toBe('Completed');
  });

  it('should wait on cancel and retry too', async () => {
    const { call } = await serve([approval]);
    await call('POST', '/api/executions', { saga: 'approval', input: {}, executionId: 'ap-2' });
    await untilState(call, 'ap-2', { Running: 'approve' });
    const cancelled = await call('POST', '/api/executions/ap-2/cancel?wait=5000', { reason: 'no longer needed' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'Compensated', reason: { kind: 'cancelled' } });
  });

  it('should wait on an event sent, and on a retry of a Failed execution', async () => {
    let mailerUp = false;
    const afterPivot = defineSaga({
      name: 'after-pivot',
      version: 1,
      input: z.object({}),
      steps: [
        step('pay', { run: () => 'paid', pivot: true }),
        step('notify', {
          retry: { maxAttempts: 1 },
          run: () => {
            if (!mailerUp) throw new PermanentError('mailer down');
            return 'sent';
          },
        }),
      ],
    });
    const { call } = await serve([approval, afterPivot]);
    await call('POST', '/api/executions', { saga: 'approval', input: {}, executionId: 'ap-3' });
    await untilState(call, 'ap-3', { Running: 'approve' });
    const sent = await call('POST', '/api/executions/ap-3/events?wait=5000', { type: 'approved', data: { by: 'ann' } });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ status: 'Completed' });

    const failed = await call('POST', '/api/executions?wait=5000', {
      saga: 'after-pivot',
      input: {},
      executionId: 'n-1',
    });
    expect(failed.body).toMatchObject({ status: 'Failed' });
    mailerUp = true;
    const retried = await call('POST', '/api/executions/n-1/retry?wait=5000', {});
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: 'Completed', results: { pay: 'paid', notify: 'sent' } });
  });

  it("should enforce the server's maximum wait, before anything starts", async () => {
    const { call, engine } = await serve([quick], { maxWaitMs: 1_000 });
    for (const wait of ['1001', '-1', 'soon', '1.5']) {
      const answer = await call('POST', `/api/executions?wait=${wait}`, { saga: 'quick', input: {} });
      expect(answer.status).toBe(400);
      expect(answer.body.error.message).toBe('query.wait: use a whole number of ms from 0 to 1000');
    }
    expect((await engine.list()).items).toEqual([]);
  });

  it('should lose nothing when the client goes away while it waits', async () => {
    const { call, url } = await serve([approval]);
    const controller = new AbortController();
    const request = fetch(`${url}/api/executions?wait=10000`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ saga: 'approval', input: {}, executionId: 'gone-1' }),
      signal: controller.signal,
    }).catch((e: unknown) => e);
    // It waits for an event nobody sends yet, so the request is still open when the client leaves.
    await untilState(call, 'gone-1', { Running: 'approve' });
    controller.abort();
    expect(await request).toBeInstanceOf(Error);
    const later = await call('POST', '/api/executions/gone-1/events?wait=5000', {
      type: 'approved',
      data: { by: 'ada' },
    });
    expect(later.status).toBe(200);
    expect(later.body.status).toBe('Completed');
    expect((await call('GET', '/healthz')).status).toBe(200);
  });
});
