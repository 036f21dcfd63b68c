import { z } from 'zod';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awaitEvent, defineSaga, SagaInputError, step } from '../../src/index.js';
import { sqliteStore } from '../../src/sqlite.js';
import { startEngine, ticks } from '../fixtures/engine.js';
import { serve, untilState } from '../fixtures/http.js';

/** `{ a: { a: ... } }` nested `depth` levels. */
function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value;
}

function circular(): unknown {
  const value: Record<string, unknown> = { name: 'loop' };
  value['self'] = value;
  return value;
}

const anything = defineSaga({
  name: 'anything',
  version: 1,
  input: z.object({ payload: z.unknown() }),
  steps: [step('a', { run: () => 'a', compensate: () => undefined }), awaitEvent('go', { event: 'go' })],
});
const loose = defineSaga({
  name: 'loose',
  version: 1,
  input: z.any(),
  steps: [step('a', { run: () => 'a', compensate: 'none' })],
});

describe('values that cross the boundary', () => {
  it.each([
    ['nesting 4,500 levels deep', { payload: nested(4_500) }, /nests deeper than 64 levels/],
    ['a BigInt', { payload: 7n }, /input\.payload is a BigInt/],
    ['a circular object', { payload: circular() }, /input\.payload\.self refers back to itself/],
    ['a Date', { payload: new Date(0) }, /a Date \(pass an ISO string/],
    ['NaN', { payload: Number.NaN }, /is NaN/],
    ['a function', { payload: () => 1 }, /a function/],
    ['a Map', { payload: new Map() }, /a Map/],
    ['a huge string', { payload: 'x'.repeat(1_100_000) }, /over the 1048576-byte limit/],
  ])('should refuse an input with %s before anything is stored', async (_, input, message) => {
    const engine = await startEngine([anything]);
    const error = await engine.execute(anything, input as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SagaInputError);
    expect((error as Error).message).toMatch(message);
    expect((await engine.list()).items).toEqual([]);
  });

  it('should refuse BigInt and circular input even where the schema is z.any()', async () => {
    const engine = await startEngine([loose]);
    await expect(engine.execute(loose, 5n)).rejects.toBeInstanceOf(SagaInputError);
    await expect(engine.execute(loose, circular())).rejects.toBeInstanceOf(SagaInputError);
    expect((await engine.list()).items).toEqual([]);
  });

  it('should refuse event data and cancel reasons that are not plain JSON, and keep waiting', async () => {
    const engine = await startEngine([anything]);
    const { id } = await engine.execute(anything, { payload: 1 });
    await ticks(10);
    for (const data of [7n, circular(), nested(4_500), Object.create(Array.prototype) as unknown]) {
      await expect(engine.send(id, { type: 'go', data })).rejects.toBeInstanceOf(SagaInputError);
    }
    await expect(engine.cancel(id, 7n as never)).rejects.toThrow(/reason .* must be a string/);
    await expect(engine.cancel(id, 'x'.repeat(5_000))).rejects.toBeInstanceOf(SagaInputError);
    expect((await engine.get(id)).state).toEqual({ Running: 'go' });
    await engine.send(id, { type: 'go', data: { fine: [1, 'two', null] } });
    expect((await engine.waitFor(id)).status).toBe('Completed');
  });

  it('should keep a copy of the input, so a caller mutating its object changes nothing', async () => {
    const seen: unknown[] = [];
    const saga = defineSaga({
      name: 'copied',
      version: 1,
      input: z.object({ n: z.number() }),
      steps: [
        awaitEvent('go', { event: 'go' }),
        step('a', { run: ({ input }) => seen.push(input), compensate: 'none' }),
      ],
    });
    const engine = await startEngine([saga]);
    const input = { n: 1 };
    const { id } = await engine.execute(saga, input);
    input.n = 2;
    await engine.send(id, { type: 'go' });
    await engine.waitFor(id);
    expect(seen).toEqual([{ n: 1 }]);
  });
});

describe('whatever a step throws or returns', () => {
  const throwing = (name: string, thrown: () => unknown) =>
    defineSaga({
      name,
      version: 1,
      input: z.object({}),
      steps: [
        step('a', { run: () => 'a', compensate: () => undefined }),
        step('b', {
          run: () => {
            throw thrown();
          },
          compensate: 'none',
        }),
      ],
    });

  it.each([
    ['an object without a prototype', () => Object.create(null) as unknown, 'Error', '[object Object]'],
    ['an Error whose message is a BigInt', () => Object.assign(new Error(), { message: 5n }), 'Error', '5'],
    ['a BigInt', () => 9n, 'Error', '9'],
    ['a Symbol', () => Symbol('odd'), 'Error', 'Symbol(odd)'],
    ['a huge string', () => 'y'.repeat(10_000), 'Error', `${'y'.repeat(2_000)}…`],
  ])('should record %s as a safe error and compensate', async (_, thrown, name, message) => {
    const saga = throwing('throws-odd', thrown);
    const engine = await startEngine([saga]);
    const outcome = await engine.waitFor((await engine.execute(saga, {})).id);
    expect(outcome.status).toBe('Compensated');
    expect(outcome.errors).toMatchObject([{ step: 'b', name, message }]);
  });

  it.each([
    ['a BigInt', () => ({ big: 1n }), /not JSON-serialisable/],
    ['a cycle', () => circular(), /not JSON-serialisable/],
    ['nesting 100 levels deep', () => nested(100), /output\.a\.a.* nests deeper than 64 levels/],
  ])('should fail a step that returns %s, without taking the process down', async (_, output, message) => {
    const saga = defineSaga({
      name: 'returns-odd',
      version: 1,
      input: z.object({}),
      steps: [step('a', { run: output, compensate: () => undefined })],
    });
    const engine = await startEngine([saga]);
    const outcome = await engine.waitFor((await engine.execute(saga, {})).id);
    expect(outcome.status).toBe('Compensated');
    expect(outcome.errors[0]?.message).toMatch(message);
  });
});

describe('ctx.input and event data after a resume', () => {
  it('should give steps the schema output (a coerced Date) on every run, resumed or not', async () => {
    const seen: { run: string; at: unknown; when: unknown }[] = [];
    const saga = defineSaga({
      name: 'coerced',
      version: 1,
      input: z.object({ at: z.coerce.date() }),
      steps: [
        step('before', {
          run: ({ input }) => seen.push({ run: 'before', at: input.at, when: null }),
          compensate: 'none',
        }),
        awaitEvent('go', { event: 'go', schema: z.object({ when: z.coerce.date() }) }),
        step('after', {
          run: ({ input, results }) =>
            seen.push({ run: 'after', at: input.at, when: (results['go'] as { when: unknown }).when }),
          compensate: 'none',
        }),
      ],
    });
    const file = join(mkdtempSync(join(tmpdir(), 'sagachart-coerce-')), 'coerce.db');
    const first = await startEngine([saga], sqliteStore(file));
    const { id } = await first.execute(saga, { at: '2026-01-02T03:04:05.000Z' });
    await ticks(10);
    await first.stop();
    const second = await startEngine([saga], sqliteStore(file));
    await second.send(id, { type: 'go', data: { when: '2026-02-03T00:00:00.000Z' } });
    expect((await second.waitFor(id)).status).toBe('Completed');
    expect(seen.map((s) => s.at instanceof Date)).toEqual([true, true]);
    expect(seen[1]?.when).toBeInstanceOf(Date);
    expect((seen[1]?.at as Date).toISOString()).toBe('2026-01-02T03:04:05.000Z');
  });
});

describe('over HTTP', () => {
  it('should answer 400 to input and event data nested 4,500 levels deep, and stay up', async () => {
    const { call } = await serve([anything]);
    // Written as text: serialising 4,500 levels would overflow this test's own stack.
    const deepJson = `${'{"a":'.repeat(4_500)}1${'}'.repeat(4_500)}`;
    const deep = await call('POST', '/api/executions', `{"saga":"anything","input":{"payload":${deepJson}}}`);
    expect(deep.status).toBe(400);
    expect(deep.body.error.code).toBe('SAGA_INPUT');
    expect(deep.body.error.message).toMatch(/nests deeper than 64 levels/);
    const started = await call('POST', '/api/executions', {
      saga: 'anything',
      executionId: 'h1',
      input: { payload: 1 },
    });
    expect(started.status).toBe(201);
    await untilState(call, 'h1', { Running: 'go' });
    const event = await call('POST', '/api/executions/h1/events', `{"type":"go","data":${deepJson}}`);
    expect(event.status).toBe(400);
    expect((await call('GET', '/healthz')).body).toEqual({ ok: true });
    expect((await call('POST', '/api/executions/h1/events', { type: 'go', data: {} })).status).toBeLessThan(300);
  });
});
