import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { awaitEvent, defineSaga, step } from '../../src/index.js';
import { createShop, orderFulfillmentSaga } from '../../machines/order-fulfillment.js';
import { serve, untilState } from '../fixtures/http.js';

const order = { orderId: 'A1', customerId: 'c1', items: [{ sku: 'SKU-1', qty: 1 }], amount: 10 };
const waiting = defineSaga({
  name: 'waiting',
  version: 1,
  input: z.object({}),
  steps: [
    step('a', { run: () => 'a', compensate: () => undefined }),
    awaitEvent('go', { event: 'go', schema: z.object({ ok: z.boolean() }) }),
  ],
});

describe('REST API', () => {
  it('should run the whole happy path', async () => {
    const { call, engine } = await serve([orderFulfillmentSaga(createShop()), waiting]);
    expect((await call('GET', '/healthz')).body).toEqual({ ok: true });
    const sagas = await call('GET', '/api/sagas');
    expect(sagas.body.items.map((s: { name: string }) => s.name).sort()).toEqual(['order-fulfillment', 'waiting']);
    const one = await call('GET', '/api/sagas/order-fulfillment');
    expect(one.body.steps.map((s: { name: string }) => s.name)).toEqual([
      'createOrder',
      'processPayment',
      'reserveStock',
      'createShipment',
    ]);
    const chart = await call('GET', '/api/sagas/order-fulfillment/chart');
    expect(Object.keys(chart.body.states)).toEqual(['Running', 'Compensating', 'Completed', 'Compensated', 'Failed']);
    // The compensations' check states lead on by eventless transitions, included for diagrams.
    expect(chart.body.states.Compensating.states.createOrder.states.check.transitions).toEqual([
      expect.objectContaining({ eventType: '', target: ['#order-fulfillment.Compensating.createOrder.run'] }),
      expect.objectContaining({ eventType: '', target: ['#order-fulfillment.Compensated'] }),
    ]);

    const started = await call('POST', '/api/executions', {
      saga: 'order-fulfillment',
      input: order,
      executionId: 'ord-1',
    });
    expect(started).toEqual({ status: 201, body: { id: 'ord-1', existing: false } });
    await engine.waitFor('ord-1');
    const again = await call('POST', '/api/executions', {
      saga: 'order-fulfillment',
      input: order,
      executionId: 'ord-1',
    });
    expect(again).toEqual({ status: 200, body: { id: 'ord-1', existing: true } });

    const view = await call('GET', '/api/executions/ord-1');
    expect(view.body).toMatchObject({ id: 'ord-1', status: 'Completed', state: 'Completed' });
    expect(view.body.results.createShipment).toEqual({ trackingNo: 'TRK-A1' });
    const journal = await call('GET', '/api/executions/ord-1/journal?afterSeq=2');
    expect(journal.body.items[0].seq).toBe(3);
    const list = await call('GET', '/api/executions?status=Completed&saga=order-fulfillment&limit=10');
    expect(list.body.items.map((e: { id: string }) => e.id)).toEqual(['ord-1']);

    const w = await call('POST', '/api/executions', { saga: 'waiting', input: {} });
    await untilState(call, w.body.id, { Running: 'go' });
    expect((await call('POST', `/api/executions/${w.body.id}/events`, { type: 'go', data: { ok: true } })).status).toBe(
      200,
    );
    expect((await engine.waitFor(w.body.id)).status).toBe('Completed');

    const metrics = await call('GET', '/metrics');
    expect(metrics.body).toContain('sagachart_executions{saga="order-fulfillment",status="Completed"} 1');
    expect(metrics.body).toContain(
      'sagachart_step_duration_seconds_count{saga="order-fulfillment",step="createOrder",outcome="completed"} 1',
    );
  });

  it('should cancel and retry through the API', async () => {
    const { call, engine } = await serve([waiting]);
    const { body } = await call('POST', '/api/executions', { saga: 'waiting', input: {} });
    await untilState(call, body.id, { Running: 'go' });
    const cancelled = await call('POST', `/api/executions/${body.id}/cancel`, { reason: 'test' });
    expect(cancelled.status).toBe(200);
    expect((await engine.waitFor(body.id)).status).toBe('Compensated');
    const retry = await call('POST', `/api/executions/${body.id}/retry`, {});
    expect(retry.status).toBe(409);
    expect(retry.body.error.code).toBe('INVALID_OPERATION');
  });
});

describe('bad input', () => {
  it.each([
    ['a non-JSON body', '{not json', 400, 'INVALID_JSON'],
    ['a JSON array', '[1,2]', 400, 'INVALID_BODY'],
    ['a missing saga', { input: {} }, 400, 'INVALID_REQUEST'],
    ['a saga of the wrong type', { saga: 7, input: {} }, 400, 'INVALID_REQUEST'],
    ['an unknown field', { saga: 'waiting', input: {}, colour: 'red' }, 400, 'INVALID_REQUEST'],
    ['an input that fails the schema', { saga: 'order-fulfillment', input: { orderId: 3 } }, 400, 'SAGA_INPUT'],
    ['an unknown saga', { saga: 'nope', input: {} }, 404, 'UNKNOWN_SAGA'],
    ['a malformed executionId', { saga: 'waiting', input: {}, executionId: 'a b' }, 400, 'INVALID_REQUEST'],
  ])('should answer %s with %i %s and store nothing', async (_, body, status, code) => {
    const { call, engine } = await serve([orderFulfillmentSaga(createShop()), waiting]);
    const response = await call('POST', '/api/executions', body);
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(typeof response.body.error.message).toBe('string');
    expect((await engine.list()).items).toEqual([]);
  });

  it('should name the field that is wrong', async () => {
    const { call } = await serve([waiting]);
    const response = await call('POST', '/api/executions', { saga: 'waiting', input: {}, deadlineMs: -5 });
    expect(response.body.error.message).toMatch(/^body\.deadlineMs: /);
    expect(response.body.error.details.issues[0].field).toBe('body.deadlineMs');
    const unknown = await call('POST', '/api/executions', { saga: 'waiting', input: {}, colour: 'red' });
    expect(unknown.body.error.message).toContain('unknown field(s): colour');
  });

  it('should list by id prefix and by an input field, and show the failAt names in the input schema', async () => {
    const { call, engine } = await serve([orderFulfillmentSaga(createShop())]);
    for (const [id, customerId] of [
      ['web-1', 'c1'],
      ['web-2', 'c2'],
      ['app-1', 'c1'],
    ] as const) {
      await engine.execute('order-fulfillment', { ...order, customerId }, { executionId: id });
    }
    const ids = async (query: string) =>
      (await call('GET', `/api/executions?${query}`)).body.items.map((e: { id: string }) => e.id).sort();
    expect(await ids('idPrefix=web-')).toEqual(['web-1', 'web-2']);
    expect(await ids('inputField=customerId&inputValue=c1')).toEqual(['app-1', 'web-1']);
    expect(await ids('idPrefix=web-&inputField=customerId&inputValue=c1')).toEqual(['web-1']);
    expect(await ids('inputField=items.0.sku&inputValue=SKU-1')).toEqual(['app-1', 'web-1', 'web-2']);
    const alone = await call('GET', '/api/executions?inputField=customerId');
    expect(alone.status).toBe(400);
    expect(alone.body.error.message).toContain('query.inputValue: inputField and inputValue go together');
    expect((await call('GET', '/api/executions?inputField=a%20b&inputValue=x')).status).toBe(400);
    const schema = (await call('GET', '/api/sagas/order-fulfillment')).body.inputSchema;
    expect(schema.properties.failAt.description).toContain('cancelOrder, processPayment, refundPayment');
  });

  it('should refuse a huge body with 413 naming the limit', async () => {
    const { call } = await serve([waiting]);
    const response = await call('POST', '/api/executions', { saga: 'waiting', input: { blob: 'x'.repeat(2_000_000) } });
    expect(response.status).toBe(413);
    expect(response.body.error).toEqual({
      code: 'BODY_TOO_LARGE',
      message: 'The request body is over the limit of 1048576 bytes',
    });
    const small = await serve([waiting], { bodyLimitBytes: 1000 });
    const refused = await small.call('POST', '/api/executions', { saga: 'waiting', input: { blob: 'x'.repeat(2000) } });
    expect(refused.body.error.message).toBe('The request body is over the limit of 1000 bytes');
  });

  it('should answer unknown ids with 404 and bad queries with 400', async () => {
    const { call } = await serve([waiting]);
    for (const [method, path] of [
      ['GET', '/api/executions/nope'],
      ['GET', '/api/executions/nope/journal'],
      ['POST', '/api/executions/nope/cancel'],
      ['POST', '/api/executions/nope/retry'],
      ['GET', '/api/sagas/nope'],
    ] as const) {
      const response = await call(method, path, method === 'POST' ? {} : undefined);
      expect(response.status, path).toBe(404);
    }
    expect((await call('POST', '/api/executions/nope/events', { type: 'go' })).status).toBe(404);
    expect((await call('GET', '/api/executions?status=Sleeping')).status).toBe(400);
    expect((await call('GET', '/api/executions?limit=0')).status).toBe(400);
    expect((await call('GET', '/api/executions?cursor=zzz')).status).toBe(400);
    expect((await call('GET', '/api/nothing')).status).toBe(404);
  });

  it('should refuse send to a finished execution with 409, and bad event data with 400', async () => {
    const { call, engine } = await serve([waiting]);
    const { body } = await call('POST', '/api/executions', { saga: 'waiting', input: {} });
    await untilState(call, body.id, { Running: 'go' });
    const bad = await call('POST', `/api/executions/${body.id}/events`, { type: 'go', data: { ok: 'yes' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toEqual(['data', 'ok']);
    await call('POST', `/api/executions/${body.id}/events`, { type: 'go', data: { ok: true } });
    await engine.waitFor(body.id);
    const late = await call('POST', `/api/executions/${body.id}/events`, { type: 'go', data: { ok: true } });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toMatch(/Completed/);
  });
});

describe('auth', () => {
  it('should require the bearer token on mutating routes only', async () => {
    const { call } = await serve([waiting], { token: 's3cret' });
    expect((await call('POST', '/api/executions', { saga: 'waiting', input: {} })).status).toBe(401);
    expect(
      (await call('POST', '/api/executions', { saga: 'waiting', input: {} }, { authorization: 'Bearer nope' })).status,
    ).toBe(401);
    const ok = await call(
      'POST',
      '/api/executions',
      { saga: 'waiting', input: {} },
      { authorization: 'Bearer s3cret' },
    );
    expect(ok.status).toBe(201);
    expect((await call('GET', '/api/executions')).status).toBe(200);
  });

  it('should protect reads too with authAll', async () => {
    const { call } = await serve([waiting], { token: 's3cret', authAll: true });
    expect((await call('GET', '/api/executions')).status).toBe(401);
    expect((await call('GET', '/api/executions', undefined, { authorization: 'Bearer s3cret' })).status).toBe(200);
    expect((await call('GET', '/healthz')).status).toBe(200);
  });
});

describe('concurrency', () => {
  it('should leave one consistent outcome when cancel races completion', async () => {
    let release: () => void = () => undefined;
    let bStarted: () => void = () => undefined;
    const racing = defineSaga({
      name: 'racing',
      version: 1,
      input: z.object({}),
      steps: [
        step('a', { run: () => 'a', compensate: () => undefined }),
        step('b', {
          run: () =>
            new Promise<string>((r) => {
              release = () => r('b');
              bStarted();
            }),
          compensate: () => undefined,
        }),
      ],
    });
    const { call, engine } = await serve([racing]);
    for (let i = 0; i < 10; i += 1) {
      const running = new Promise<void>((resolve) => (bStarted = resolve));
      const { body } = await call('POST', '/api/executions', { saga: 'racing', input: {} });
      // b runs until released: its release and the cancel then race.
      await running;
      const [cancel] = await Promise.all([
        call('POST', `/api/executions/${body.id}/cancel`, {}),
        Promise.resolve().then(() => release()),
      ]);
      const outcome = await engine.waitFor(body.id);
      const journal = await engine.journal(body.id);
      if (cancel.status === 200) {
        expect(outcome.status).toBe('Compensated');
        expect(journal.some((e) => e.type === 'CancelRequested')).toBe(true);
      } else {
        expect(cancel.status).toBe(409);
        expect(outcome.status).toBe('Completed');
        expect(journal.some((e) => e.type === 'CancelRequested')).toBe(false);
      }
      expect(journal.map((e) => e.seq)).toEqual(journal.map((_, n) => n + 1));
    }
  });
});
