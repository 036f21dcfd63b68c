import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { awaitEvent, defineSaga, step } from '../../src/index.js';
import { schemaExample } from '../../src/server/schemaExample.js';
import { serve } from '../fixtures/http.js';

let slow = true;
const approval = defineSaga({
  name: 'approval',
  version: 1,
  input: z.object({ amount: z.number().positive(), note: z.string().optional() }),
  steps: [
    step('hold', {
      run: () => {
        if (slow) throw new Error('bank busy');
        return 'held';
      },
      compensate: () => undefined,
      retry: { maxAttempts: 3, initialDelayMs: 20_000 },
    }),
    awaitEvent('decide', {
      event: 'manager.decided',
      schema: z.object({ approved: z.boolean(), by: z.string().min(1), level: z.enum(['one', 'two']) }),
      timeoutMs: 3_600_000,
    }),
    step('pay', { run: () => 'paid', pivot: true }),
  ],
});

describe('what an execution waits for, over HTTP', () => {
  it('should publish the input and event schemas as JSON Schema, and a template from them fits', async () => {
    const { call, engine } = await serve([approval]);
    const saga = (await call('GET', '/api/sagas/approval')).body;
    expect(saga.inputSchema).toMatchObject({
      type: 'object',
      properties: { amount: { type: 'number', exclusiveMinimum: 0 } },
      required: ['amount'],
    });
    const decide = saga.steps.find((s: { name: string }) => s.name === 'decide');
    expect(decide.schema.required).toEqual(['approved', 'by', 'level']);
    // The template is valid input for the real schema: following it never gets a 400.
    expect(approval.input.safeParse(schemaExample(saga.inputSchema)).success).toBe(true);
    slow = false;
    const { id } = await engine.execute('approval', { amount: 5 });
    await expect.poll(async () => (await call('GET', `/api/executions/${id}`)).body.waiting[0]?.kind).toBe('event');
    const sent = await call('POST', `/api/executions/${id}/events`, {
      type: 'manager.decided',
      data: schemaExample(decide.schema),
    });
    expect(sent.status).toBe(200);
    expect((await engine.waitFor(id)).status).toBe('Completed');
  });

  it('should say which event an execution waits for, with its timeout', async () => {
    slow = false;
    const { call, engine } = await serve([approval]);
    const { id } = await engine.execute('approval', { amount: 5 });
    await expect
      .poll(async () => (await call('GET', `/api/executions/${id}`)).body.waiting)
      .toEqual([{ kind: 'event', step: 'decide', event: 'manager.decided', timeoutAt: expect.any(Number) }]);
    const listed = (await call('GET', '/api/executions?saga=approval')).body.items[0];
    expect(listed.waiting[0].event).toBe('manager.decided');
  });

  it('should say when a step waits to retry, and until when', async () => {
    slow = true;
    const { call, engine } = await serve([approval]);
    const before = Date.now();
    const { id } = await engine.execute('approval', { amount: 5 });
    await expect.poll(async () => (await call('GET', `/api/executions/${id}`)).body.waiting[0]?.kind).toBe('retry');
    const [wait] = (await call('GET', `/api/executions/${id}`)).body.waiting;
    expect(wait).toMatchObject({ kind: 'retry', step: 'hold', attempt: 2, compensation: false });
    expect(wait.dueAt).toBeGreaterThanOrEqual(before + 20_000);
  });

  it('should count from the store, the numbers /metrics gives', async () => {
    slow = false;
    const { call, engine } = await serve([approval]);
    for (let i = 0; i < 3; i++) await engine.execute('approval', { amount: i + 1 });
    await expect
      .poll(async () => (await call('GET', '/api/counts')).body.items)
      .toEqual([{ saga: 'approval', status: 'Running', count: 3 }]);
    expect((await call('GET', '/metrics')).body).toContain('sagachart_executions{saga="approval",status="Running"} 3');
  });
});
