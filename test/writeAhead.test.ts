import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSaga, memoryStore, step, StoreError } from '../src/index.js';
import { GroupCommitter } from '../src/runtime/GroupCommitter.js';
import { startEngine } from './fixtures/engine.js';
import { durabilityCheck, slowStore } from './fixtures/slowStore.js';
import { write } from './fixtures/storeWrites.js';
import { until } from './fixtures/until.js';

describe('write-ahead', () => {
  it('should start each step only after the state that announces it, and the previous output, are durable', async () => {
    const store = slowStore(15);
    const seen: string[] = [];
    const check = durabilityCheck(store, seen);
    const saga = defineSaga({
      name: 'write-ahead',
      version: 1,
      input: z.object({}),
      steps: [
        step('a', { run: check('a'), compensate: 'none' }),
        step('b', { run: check('b', 'a'), compensate: 'none' }),
        step('c', { run: check('c', 'b'), compensate: 'none' }),
      ],
    });
    const engine = await startEngine([saga], store);
    const ids = await Promise.all(Array.from({ length: 5 }, () => engine.execute(saga, {})));
    await Promise.all(ids.map(({ id }) => engine.waitFor(id)));
    expect(seen).toHaveLength(15);
    expect(seen.filter((s) => s.endsWith('NOT durable'))).toEqual([]);
  });

  it('should resolve execute only after the first commit', async () => {
    const store = slowStore(30);
    const saga = defineSaga({
      name: 'ack',
      version: 1,
      input: z.object({}),
      steps: [step('a', { run: () => 1, compensate: 'none' })],
    });
    const engine = await startEngine([saga], store);
    const { id } = await engine.execute(saga, {});
    expect(await store.get(id)).toBeDefined();
  });

  it('should turn a failed commit into a StoreError for the caller, run no step, and keep the process alive', async () => {
    const store = slowStore(1);
    let runs = 0;
    const saga = defineSaga({
      name: 'disk-full',
      version: 1,
      input: z.object({}),
      steps: [
        step('a', {
          run: () => {
            runs += 1;
            return 1;
          },
          compensate: 'none',
        }),
      ],
    });
    const engine = await startEngine([saga], store);
    store.failNext = 1;
    const error = await engine.execute(saga, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(/disk full/);
    expect(runs).toBe(0);
    expect((await engine.list()).items).toEqual([]);
    // The engine still works after the failure.
    const { id } = await engine.execute(saga, {});
    expect((await engine.waitFor(id)).status).toBe('Completed');
  });

  it('should reload an execution from its last durable state after a failed commit mid-way', async () => {
    const store = slowStore(1);
    const runs: number[] = [];
    const saga = defineSaga({
      name: 'disk-hiccup',
      version: 1,
      input: z.object({}),
      steps: [
        step('a', {
          run: ({ attempt }) => {
            runs.push(attempt);
            store.failNext = runs.length === 1 ? 1 : 0;
            return 'a';
          },
          compensate: 'none',
        }),
        step('b', { run: () => 'b', compensate: 'none' }),
      ],
    });
    const engine = await startEngine([saga], store);
    const { id } = await engine.execute(saga, {});
    // The commit of a's result failed: the engine reloads the execution a second later (real time,
    // as the store needs it to recover) and runs a again with the same key.
    await until(async () => (await engine.get(id)).status !== 'Running');
    expect((await engine.waitFor(id)).status).toBe('Completed');
    expect(runs).toEqual([1, 1]);
    const journal = await engine.journal(id);
    expect(journal.map((e) => e.seq)).toEqual(journal.map((_, i) => i + 1));
  });

  it('should let waitFor wait through the reload after a failed commit instead of refusing', async () => {
    const store = slowStore(1);
    let calls = 0;
    const saga = defineSaga({
      name: 'disk-hiccup-wait',
      version: 1,
      input: z.object({}),
      steps: [
        step('a', {
          run: () => {
            calls += 1;
            store.failNext = calls === 1 ? 1 : 0;
            return 'a';
          },
          compensate: 'none',
        }),
        step('b', { run: () => 'b', compensate: 'none' }),
      ],
    });
    const engine = await startEngine([saga], store);
    const { id } = await engine.execute(saga, {});
    // Asked before the failure and during the reload: both wait for the outcome.
    const before = engine.waitFor(id);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const during = engine.waitFor(id);
    expect((await before).status).toBe('Completed');
    expect((await during).status).toBe('Completed');
  });
});

describe('group commit', () => {
  it('should fail only the execution whose write cannot be built, and commit the rest of the batch', async () => {
    const store = memoryStore();
    await store.init();
    const unwritable: { id: string; error: StoreError }[] = [];
    const committer = new GroupCommitter(store, {
      committed: () => undefined,
      failed: () => undefined,
      unwritable: (id, error) => unwritable.push({ id, error }),
      lost: () => undefined,
    });
    committer.enqueue('bad', 1, () => {
      throw new TypeError('Do not know how to serialize a BigInt');
    });
    committer.enqueue('good', 1, () => write('good', 1, 0, 1));
    const bad = committer.durable('bad').catch((e: unknown) => e);
    await committer.durable('good');
    expect(await store.get('good')).toBeDefined();
    expect(await store.get('bad')).toBeUndefined();
    const error = await bad;
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(
      /Execution "bad" could not be written: Do not know how to serialize a BigInt/,
    );
    expect(unwritable.map((u) => u.id)).toEqual(['bad']);
  });
});
