import { z } from 'zod';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineSaga, memoryStore, SagaEngine, step, type ExecutionWrite, type SagaStore } from '../src/index.js';
import { GroupCommitter } from '../src/runtime/GroupCommitter.js';
import { durabilityCheck, slowStore } from './fixtures/slowStore.js';
import { write } from './fixtures/storeWrites.js';

/** A memory store that records each batch: which executions, and when (by the fake clock). */
async function recordingStore(): Promise<SagaStore & { batches: { ids: string[]; at: number }[] }> {
  const inner = memoryStore();
  await inner.init();
  const store = Object.assign(Object.create(inner) as SagaStore, {
    batches: [] as { ids: string[]; at: number }[],
    commit(writes: readonly ExecutionWrite[]) {
      store.batches.push({ ids: writes.map((w) => w.execution.id), at: performance.now() });
      return inner.commit(writes);
    },
  });
  return store;
}

function committer(store: SagaStore, windowMs: number): GroupCommitter {
  const noop = () => undefined;
  return new GroupCommitter(store, { committed: noop, failed: noop, unwritable: noop, lost: noop }, { windowMs });
}

const useFakeClock = () =>
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'] });

const ids = Array.from({ length: 10 }, (_, i) => `e${i}`);

/** Every execution commits once together, so the committer has seen them all move. */
async function primed(store: SagaStore, windowMs: number): Promise<GroupCommitter> {
  const c = committer(store, windowMs);
  for (const id of ids) c.enqueue(id, 1, () => write(id, 1, 0, 1));
  await vi.advanceTimersByTimeAsync(0);
  return c;
}

/** Each execution queues its next write 1 ms after the one before: requests arriving in separate ticks. */
async function staggered(c: GroupCommitter): Promise<Map<string, number>> {
  const queuedAt = new Map<string, number>();
  ids.forEach((id, i) => {
    setTimeout(() => {
      queuedAt.set(id, performance.now());
      c.enqueue(id, 2, () => write(id, 2, 1, 1));
    }, i);
  });
  await vi.advanceTimersByTimeAsync(100);
  return queuedAt;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('group commit window', () => {
  it('should commit each write in its own tick without a window', async () => {
    useFakeClock();
    const store = await recordingStore();
    await staggered(await primed(store, 0));
    expect(store.batches.slice(1).map((b) => b.ids)).toEqual(ids.map((id) => [id]));
  });

  it('should gather writes from separate ticks into fewer batches, each waiting at most the window', async () => {
    useFakeClock();
    const store = await recordingStore();
    const queuedAt = await staggered(await primed(store, 4));
    const batches = store.batches.slice(1);
    expect(batches.flatMap((b) => b.ids).sort()).toEqual([...ids].sort());
    expect(batches.length).toBeLessThanOrEqual(3);
    for (const batch of batches) {
      for (const id of batch.ids) expect(batch.at - (queuedAt.get(id) ?? Number.NaN)).toBeLessThanOrEqual(4);
    }
  });

  it('should flush as soon as every execution it waits for has queued, not at the end of the window', async () => {
    useFakeClock();
    const store = await recordingStore();
    const c = committer(store, 50);
    for (const id of ['a', 'b', 'c']) c.enqueue(id, 1, () => write(id, 1, 0, 1));
    await vi.advanceTimersByTimeAsync(0);
    const start = performance.now();
    ['a', 'b', 'c'].forEach((id, i) => setTimeout(() => c.enqueue(id, 2, () => write(id, 2, 1, 1)), i));
    await vi.advanceTimersByTimeAsync(50);
    const batches = store.batches.slice(1);
    expect(batches.map((b) => b.ids)).toEqual([['a', 'b', 'c']]);
    expect(batches[0]?.at).toBeLessThan(start + 10);
  });

  it('should never make one execution alone wait', async () => {
    useFakeClock();
    const store = await recordingStore();
    const c = committer(store, 50);
    for (let revision = 1; revision <= 3; revision += 1) {
      c.enqueue('alone', revision, () => write('alone', revision, revision - 1, 1));
      const durable = c.durable('alone');
      await vi.advanceTimersByTimeAsync(0);
      await durable;
    }
    expect(store.batches.map((b) => b.at)).toEqual([0, 0, 0].map(() => store.batches[0]?.at));
  });

  it('should stop waiting for an execution that finished', async () => {
    useFakeClock();
    const store = await recordingStore();
    const c = committer(store, 50);
    for (const id of ['done', 'going']) c.enqueue(id, 1, () => write(id, 1, 0, 1));
    await vi.advanceTimersByTimeAsync(0);
    c.forget('done');
    c.enqueue('going', 2, () => write('going', 2, 1, 1));
    await vi.advanceTimersByTimeAsync(0);
    expect(store.batches.map((b) => b.ids)).toEqual([['done', 'going'], ['going']]);
  });

  it('should refuse a window that is negative or longer than 100 ms, naming the option', () => {
    const saga = defineSaga({
      name: 'w',
      version: 1,
      input: z.object({}),
      steps: [step('a', { run: () => 1, compensate: 'none' })],
    });
    for (const bad of [-1, 101, Number.NaN]) {
      expect(() => new SagaEngine({ sagas: [saga], groupCommitWindowMs: bad })).toThrow(
        /groupCommitWindowMs must be a number of ms from 0 to 100/,
      );
    }
  });
});

describe('group commit window and write-ahead', () => {
  it('should start each step only after its state is durable while batches wait for each other', async () => {
    const store = slowStore(2);
    const seen: string[] = [];
    // Each step ends in a later tick, as real I/O does, so executions drift apart.
    const check = durabilityCheck(store, seen, { laterTick: true });
    const saga = defineSaga({
      name: 'write-ahead-window',
      version: 1,
      input: z.object({}),
      steps: [
        step('a', { run: check('a'), compensate: 'none' }),
        step('b', { run: check('b', 'a'), compensate: 'none' }),
        step('c', { run: check('c', 'b'), compensate: 'none' }),
      ],
    });
    const engine = new SagaEngine({ store, sagas: [saga], groupCommitWindowMs: 5 });
    await engine.start();
    try {
      // Started in separate ticks, as HTTP requests arrive.
      const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      const started = await Promise.all(
        Array.from({ length: 8 }, async (_, i) => {
          await later(i);
          return (await engine.execute(saga, {})).id;
        }),
      );
      await Promise.all(started.map((id) => engine.waitFor(id)));
    } finally {
      await engine.stop();
    }
    expect(seen).toHaveLength(24);
    expect(seen.filter((s) => s.endsWith('NOT durable'))).toEqual([]);
    expect(store.biggestBatch).toBeGreaterThan(1);
    expect(store.commits).toBeGreaterThan(0);
  });
});
