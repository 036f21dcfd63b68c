import { context, trace } from '@opentelemetry/api';
import { z } from 'zod';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defineSaga, step } from '../src/index.js';
import { startEngine, ticks } from './fixtures/engine.js';
import { registerOtel } from './fixtures/otel.js';
import { recorder } from './fixtures/recorder.js';

let otel: ReturnType<typeof registerOtel>;
beforeAll(() => {
  otel = registerOtel();
});
beforeEach(() => otel.spans.reset());

const input = z.object({});

describe('OpenTelemetry', () => {
  it('should trace a completed saga as one tree: a span per step attempt under the saga span', async () => {
    const r = recorder();
    const saga = defineSaga({
      name: 'traced',
      version: 3,
      input,
      steps: [r.step('a'), r.step('b', { failures: 1 }, { retry: { maxAttempts: 2, initialDelayMs: 1 } })],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await engine.waitFor(id);
    await ticks(5);
    const spans = otel.spans.getFinishedSpans();
    const root = spans.find((s) => s.name === 'saga traced');
    expect(root?.attributes).toMatchObject({ 'saga.id': id, 'saga.name': 'traced', 'saga.version': 3 });
    const steps = spans.filter((s) => s.name.startsWith('saga.step'));
    expect(steps.map((s) => [s.name, s.attributes['saga.attempt']])).toEqual([
      ['saga.step a', 1],
      ['saga.step b', 1],
      ['saga.step b', 2],
    ]);
    for (const s of steps) {
      expect(s.spanContext().traceId).toBe(root?.spanContext().traceId);
      expect(s.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
      expect(s.attributes).toMatchObject({
        'saga.id': id,
        'saga.name': 'traced',
        'saga.version': 3,
        'saga.status': 'Running',
      });
    }
    const failed = steps[1];
    expect(failed?.status.code).toBe(2);
    expect(failed?.events.map((e) => e.name)).toEqual(['exception', 'saga.retry_scheduled']);
  });

  it('should mark compensation spans with saga.compensate_for and join the caller trace', async () => {
    const r = recorder();
    const saga = defineSaga({
      name: 'undone',
      version: 1,
      input,
      steps: [r.step('charge'), r.step('ship', { failures: Infinity })],
    });
    const engine = await startEngine([saga]);
    const caller = trace.getTracer('test').startSpan('checkout request');
    const { id } = await context.with(trace.setSpan(context.active(), caller), () => engine.execute(saga, {}));
    caller.end();
    await engine.waitFor(id);
    await ticks(5);
    const spans = otel.spans.getFinishedSpans();
    const undo = spans.find((s) => s.name === 'saga.compensate charge');
    expect(undo?.attributes).toMatchObject({ 'saga.compensate_for': 'charge', 'saga.status': 'Compensating' });
    const root = spans.find((s) => s.name === 'saga undone');
    expect(root?.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
    expect(new Set(spans.filter((s) => s.name.startsWith('saga')).map((s) => s.spanContext().traceId))).toEqual(
      new Set([caller.spanContext().traceId]),
    );
  });

  it('should run step code inside its span so participant spans nest under it', async () => {
    const saga = defineSaga({
      name: 'nested',
      version: 1,
      input,
      steps: [
        step('call', {
          compensate: 'none',
          run: () => {
            trace.getTracer('participant').startSpan('POST /payments').end();
            return 'ok';
          },
        }),
      ],
    });
    const engine = await startEngine([saga]);
    await engine.waitFor((await engine.execute(saga, {})).id);
    await ticks(5);
    const spans = otel.spans.getFinishedSpans();
    const stepSpan = spans.find((s) => s.name === 'saga.step call');
    expect(spans.find((s) => s.name === 'POST /payments')?.parentSpanContext?.spanId).toBe(
      stepSpan?.spanContext().spanId,
    );
  });

  it('should count outcomes, retries and compensations and time the steps', async () => {
    const r = recorder();
    const ok = defineSaga({ name: 'm-ok', version: 1, input, steps: [r.step('a')] });
    const undo = defineSaga({
      name: 'm-undo',
      version: 1,
      input,
      steps: [r.step('a'), r.step('b', { failures: Infinity })],
    });
    const stuck = defineSaga({
      name: 'm-stuck',
      version: 1,
      input,
      steps: [
        step('p', { pivot: true, run: () => 1 }),
        step('after', { retry: { maxAttempts: 2, initialDelayMs: 1 }, run: () => Promise.reject(new Error('down')) }),
      ],
    });
    const engine = await startEngine([ok, undo, stuck]);
    const ids = [
      ...(await Promise.all([1, 2].map(() => engine.execute(ok, {})))),
      await engine.execute(undo, {}),
      await engine.execute(stuck, {}),
    ];
    await Promise.all(ids.map(({ id }) => engine.waitFor(id)));
    await ticks(5);
    const values = await otel.metricValues();
    const sum = (name: string, match: Record<string, unknown>) =>
      (values.get(name) ?? [])
        .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
        .reduce((n, p) => n + Number(p.value), 0);
    expect(sum('saga.executions.started', { 'saga.name': 'm-ok' })).toBe(2);
    expect(sum('saga.executions.finished', { 'saga.name': 'm-ok', 'saga.status': 'Completed' })).toBe(2);
    expect(sum('saga.executions.finished', { 'saga.name': 'm-undo', 'saga.status': 'Compensated' })).toBe(1);
    expect(sum('saga.executions.finished', { 'saga.name': 'm-stuck', 'saga.status': 'Failed' })).toBe(1);
    expect(sum('saga.executions.failed_waiting', { 'saga.name': 'm-stuck' })).toBe(1);
    expect(sum('saga.step.retries', { 'saga.name': 'm-stuck', 'saga.step': 'after' })).toBe(1);
    expect(sum('saga.compensations', { 'saga.name': 'm-undo', 'saga.step': 'a' })).toBe(1);
    const durations = (values.get('saga.step.duration') ?? []).filter((p) => p.attributes['saga.name'] === 'm-ok');
    expect(durations.map((p) => (p.value as { count: number }).count)).toEqual([2]);
  });
});
