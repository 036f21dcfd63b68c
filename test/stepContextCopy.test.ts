import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  defineSaga,
  memoryStore,
  remote,
  step,
  type AnySagaDefinition,
  type RemoteCommand,
  type SagaStore,
} from '../src/index.js';
import { sqliteStore } from '../src/sqlite.js';
import { startEngine } from './fixtures/engine.js';
import { until } from './fixtures/until.js';

interface First {
  readonly items: string[];
  readonly n: number;
}

const input = z.object({ orderId: z.string(), meta: z.any() });
const sent = { orderId: 'A1', meta: { tags: ['t'] } };

/** What the persisted snapshot holds, read back from the store. */
async function storedContext(store: SagaStore, id: string): Promise<{ input: unknown; results: unknown }> {
  const stored = await store.get(id);
  if (stored === undefined) throw new Error(`execution ${id} is not stored`);
  return (JSON.parse(stored.snapshot) as { context: { input: unknown; results: unknown } }).context;
}

/** Runs one execution of `saga` with the input `sent` to its end: its view and its persisted context. */
async function runToEnd(saga: AnySagaDefinition, store: SagaStore) {
  const engine = await startEngine([saga], store);
  const { id } = await engine.execute(saga.name, sent);
  return { view: await engine.waitFor(id), stored: await storedContext(store, id) };
}

const stores: [string, () => SagaStore][] = [
  ['memory', () => memoryStore()],
  ['sqlite', () => sqliteStore(join(mkdtempSync(join(tmpdir(), 'sagachart-')), 'copy.db'))],
];

describe.each(stores)('step context copies (%s store)', (_, storeFor) => {
  it('should keep results and input as they were when a run mutates ctx.results and ctx.input', async () => {
    const seenByThird: unknown[] = [];
    const saga = defineSaga({
      name: 'mutating-run',
      version: 1,
      input,
      steps: [
        step('first', { run: (): First => ({ items: ['a'], n: 1 }), compensate: 'none' }),
        step('second', {
          run: (ctx) => {
            const first = ctx.results['first'] as First;
            first.items.push('b');
            (first as { n: number }).n = 99;
            (ctx.results as Record<string, unknown>)['injected'] = true;
            (ctx.input as { meta: { tags: string[] } }).meta.tags.push('x');
            (ctx.input as { orderId: string }).orderId = 'changed';
            return 'ok';
          },
          compensate: 'none',
        }),
        step('third', {
          run: (ctx) => seenByThird.push({ input: ctx.input, first: ctx.results['first'] }),
          compensate: 'none',
        }),
      ],
    });
    const { view, stored } = await runToEnd(saga, storeFor());

    expect(view.status).toBe('Completed');
    expect(view.results['first']).toEqual({ items: ['a'], n: 1 });
    expect(view.results).not.toHaveProperty('injected');
    expect(view.input).toEqual({ orderId: 'A1', meta: { tags: ['t'] } });
    expect(seenByThird).toEqual([{ input: { orderId: 'A1', meta: { tags: ['t'] } }, first: { items: ['a'], n: 1 } }]);
    expect(stored.results).toMatchObject({ first: { items: ['a'], n: 1 }, second: 'ok' });
    expect(stored.results).not.toHaveProperty('injected');
    expect(stored.input).toEqual({ orderId: 'A1', meta: { tags: ['t'] } });
  });

  it("should keep a step's result and the reason as they were when its compensation mutates them", async () => {
    const saga = defineSaga({
      name: 'mutating-compensation',
      version: 1,
      input,
      steps: [
        step('first', {
          run: (): First => ({ items: ['a'], n: 1 }),
          compensate: (ctx) => {
            const result = ctx.result;
            result?.items.push('undone');
            (ctx.reason as { message: string }).message = 'rewritten';
            (ctx.results['first'] as First).items.push('again');
          },
        }),
        step('second', {
          run: () => {
            throw new Error('boom');
          },
          compensate: 'none',
          retry: { maxAttempts: 1 },
        }),
      ],
    });
    const { view, stored } = await runToEnd(saga, storeFor());

    expect(view.status).toBe('Compensated');
    expect(view.results['first']).toEqual({ items: ['a'], n: 1 });
    expect(view.reason?.message).toBe('boom');
    expect(stored.results).toEqual({ first: { items: ['a'], n: 1 } });
  });
});

describe('step context copies of parsed values', () => {
  it('should give each step its own Date when the input schema coerces one', async () => {
    const seen: unknown[] = [];
    const saga = defineSaga({
      name: 'mutating-date',
      version: 1,
      input: z.object({ due: z.coerce.date() }),
      steps: [
        step('first', {
          run: ({ input }) => {
            seen.push(input.due instanceof Date);
            (input.due as Date).setTime(0);
          },
          compensate: 'none',
        }),
        step('second', { run: ({ input }) => seen.push((input.due as Date).toISOString()), compensate: 'none' }),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, { due: '2030-01-02T03:04:05.000Z' });
    expect((await engine.waitFor(id)).status).toBe('Completed');
    expect(seen).toEqual([true, '2030-01-02T03:04:05.000Z']);
  });
});

describe('remote payload context copy', () => {
  it("should keep results as they were when a remote step's payload builder mutates ctx.results", async () => {
    const saga = defineSaga({
      name: 'mutating-payload',
      version: 1,
      input,
      steps: [
        step('first', { run: (): First => ({ items: ['a'], n: 1 }), compensate: 'none' }),
        step('second', {
          run: remote('elsewhere.do', (ctx) => {
            const first = ctx.results['first'] as First;
            first.items.push('b');
            return { first };
          }),
          compensate: 'none',
        }),
      ],
    });
    const store = memoryStore();
    const engine = await startEngine([saga], store);
    const { id } = await engine.execute(saga, sent);
    let command: RemoteCommand | undefined;
    await until(async () => {
      const [message] = await engine.remote.pending();
      command = message === undefined ? undefined : (JSON.parse(message.body) as RemoteCommand);
      return command !== undefined;
    });
    expect(command?.payload).toEqual({ first: { items: ['a', 'b'], n: 1 } });
    const { key, executionId, step: name, kind, attempt } = command!;
    await engine.remote.deliver([{ v: 1, key, executionId, step: name, kind, attempt, ok: true, output: 'done' }]);
    const view = await engine.waitFor(id);

    expect(view.results).toEqual({ first: { items: ['a'], n: 1 }, second: 'done' });
    expect((await storedContext(store, id)).results).toEqual({ first: { items: ['a'], n: 1 }, second: 'done' });
  });
});
