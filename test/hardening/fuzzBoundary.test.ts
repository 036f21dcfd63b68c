import fc from 'fast-check';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { awaitEvent, defineSaga, SagaError, step, type SagaEngine } from '../../src/index.js';
import { startEngine, ticks } from '../fixtures/engine.js';
import { serve } from '../fixtures/http.js';

// Property tests: whatever a caller passes, the engine answers with a success or a
// SagaError, stores nothing half-written, and keeps working. 10,500 generated values in all.

const done = defineSaga({
  name: 'takes-anything',
  version: 1,
  input: z.unknown(),
  steps: [step('a', { run: () => 'ok', compensate: 'none' })],
});
const waits = defineSaga({
  name: 'waits-for-anything',
  version: 1,
  input: z.object({}),
  steps: [step('a', { run: () => 'a', compensate: () => undefined }), awaitEvent('go', { event: 'go' })],
});

function circular(): unknown {
  const value: Record<string, unknown> = { a: 1 };
  value['loop'] = { back: value };
  return value;
}

function deep(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? { k: value } : [value];
  return value;
}

/** Values a caller might pass: JSON, and everything JSON cannot hold. */
const strange: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({
    maxDepth: 4,
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
    withUnicodeString: true,
  }),
  fc.json().map((text) => JSON.parse(text) as unknown),
  fc.integer({ min: 1, max: 300 }).map(deep),
  fc.constant(null).map(circular),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.integer({ min: 1_000_000, max: 1_200_000 }).map((n) => 'x'.repeat(n)),
  fc.dictionary(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'toJSON'),
    fc.anything({ maxDepth: 1 }),
  ),
  fc.constantFrom(Number.NaN, Infinity, -0, undefined, Symbol('s'), () => 1, 1n, new Error('e'), Object.create(null)),
);

async function expectSagaErrorOr<T>(call: () => Promise<T>): Promise<T | SagaError> {
  try {
    return await call();
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(SagaError);
    return error as SagaError;
  }
}

async function stillWorks(engine: SagaEngine): Promise<void> {
  const { id } = await engine.execute(done, { fine: true });
  expect((await engine.waitFor(id)).status).toBe('Completed');
}

describe('fuzzing the boundary', () => {
  it('should answer execute with an execution or a SagaError, and store nothing for a refusal', async () => {
    const engine = await startEngine([done]);
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(strange, async (input) => {
        const answer = await expectSagaErrorOr(() => engine.execute(done, input));
        if (answer instanceof SagaError) {
          const counted = (await engine.counts()).reduce((sum, c) => sum + c.count, 0);
          expect(counted).toBe(stored);
          return;
        }
        stored += 1;
        const view = await engine.waitFor(answer.id);
        expect(view.status).toBe('Completed');
        expect(view.input).toEqual(JSON.parse(JSON.stringify(input)));
      }),
      { numRuns: 3_000 },
    );
    await stillWorks(engine);
  }, 120_000);

  it('should answer send and cancel with success or a SagaError, and keep the execution consistent', async () => {
    const engine = await startEngine([waits, done]);
    const eventType = fc.oneof(
      fc.constant('go'),
      fc.constantFrom('saga.cancel', 'xstate.init', '', 'go '),
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(eventType, strange, strange, async (type, data, reason) => {
        const { id } = await engine.execute(waits, {});
        await ticks(3);
        const sent = await expectSagaErrorOr(() => engine.send(id, { type, data }));
        const cancelled = await expectSagaErrorOr(() => engine.cancel(id, reason as string));
        const view = await engine.get(id);
        if (!(sent instanceof SagaError)) expect(view.completed).toContain('go');
        if (sent instanceof SagaError && !(cancelled instanceof SagaError)) expect(view.reason?.kind).toBe('cancelled');
        const journal = await engine.journal(id);
        expect(journal.map((e) => e.seq)).toEqual(journal.map((_, i) => i + 1));
      }),
      { numRuns: 3_000 },
    );
    await stillWorks(engine);
  }, 180_000);

  it('should answer every HTTP request with a 2xx or a 4xx and stay up', async () => {
    const { call } = await serve([waits, done]);
    const body = fc.oneof(
      fc.json({ maxDepth: 5 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.integer({ min: 1, max: 5_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
      fc
        .integer({ min: 1, max: 5_000 })
        .map((n) => `{"saga":"takes-anything","input":${'['.repeat(n)}${']'.repeat(n)}}`),
      fc.json({ maxDepth: 4 }).map((input) => `{"saga":"takes-anything","input":${input}}`),
      fc.json({ maxDepth: 4 }).map((data) => `{"type":"go","data":${data}}`),
      fc.string().map((reason) => JSON.stringify({ reason })),
    );
    const route = fc.oneof(
      fc.constant('/api/executions'),
      fc.string({ maxLength: 20 }).map((id) => `/api/executions/${encodeURIComponent(id)}/events`),
      fc.string({ maxLength: 20 }).map((id) => `/api/executions/${encodeURIComponent(id)}/cancel`),
      fc.string({ maxLength: 20 }).map((id) => `/api/executions/${encodeURIComponent(id)}/retry`),
      fc.constant('/api/executions/fuzz-target/events'),
      fc.constant('/api/executions/fuzz-target/cancel'),
    );
    expect(
      (await call('POST', '/api/executions', { saga: 'waits-for-anything', executionId: 'fuzz-target', input: {} }))
        .status,
    ).toBe(201);
    await fc.assert(
      fc.asyncProperty(route, body, async (path, text) => {
        const answer = await call('POST', path, text);
        expect(
          answer.status,
          `${path} ${text.slice(0, 80)} -> ${JSON.stringify(answer.body).slice(0, 200)}`,
        ).toBeLessThan(500);
      }),
      { numRuns: 1_500 },
    );
    expect((await call('GET', '/healthz')).body).toEqual({ ok: true });
  }, 180_000);
});
